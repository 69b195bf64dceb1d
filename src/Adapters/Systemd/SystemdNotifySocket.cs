using System.Net.Sockets;
using System.Text;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Core.Systemd;

namespace Outfitter.Daemon.Adapters.Systemd;

/// <summary>
/// Sends <c>sd_notify</c> datagrams to the Unix socket systemd names in <c>$NOTIFY_SOCKET</c> (a path, or an
/// abstract-namespace name written <c>@name</c>). No dependency on libsystemd. Thread-safe.
/// </summary>
internal sealed class SystemdNotifySocket : ISystemdNotifySocket
{
    /// <inheritdoc />
    public bool Notify(NotifyAddress target, string message)
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            var endpoint = new UnixDomainSocketEndPoint(target.IsAbstract ? "\0" + target.Address : target.Address);
            return socket.SendTo(Encoding.UTF8.GetBytes(message), endpoint) > 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or ArgumentException)
        {
            return false;
        }
    }
}

/// <summary>Reads systemd's variables from the real environment.</summary>
internal sealed partial class SystemdEnvironment : ISystemdEnvironment
{
    /// <inheritdoc />
    public SystemdFacts Observe() => new(
        Read("NOTIFY_SOCKET"), Read("WATCHDOG_USEC"), Read("WATCHDOG_PID"), Read("LISTEN_PID"), Read("LISTEN_FDS"), Read("LISTEN_FDNAMES"));

    /// <inheritdoc />
    public void ClearListenVariables()
    {
        foreach (var name in new[] { "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES" })
        {
            // Both copies: .NET children read the managed one, native children the C library's.
            Environment.SetEnvironmentVariable(name, null);
            if (!OperatingSystem.IsWindows())
                unsetenv(name);
        }
    }

    private static LanguageExt.Option<string> Read(string name) => LanguageExt.Prelude.Optional(Environment.GetEnvironmentVariable(name));

    [System.Runtime.InteropServices.LibraryImport("libc", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    private static partial int unsetenv(string name);
}
