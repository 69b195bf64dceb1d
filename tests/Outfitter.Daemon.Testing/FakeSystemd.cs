using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Core.Systemd;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Testing;

/// <summary>
/// systemd in memory: the variables it would set (all unset by default), and every notification the daemon sends, in
/// order. It implements the systemd ports explicitly.
/// </summary>
public sealed class FakeSystemd : ISystemdEnvironment, ISystemdNotifySocket
{
    private readonly List<string> _messages = [];

    /// <summary><c>$NOTIFY_SOCKET</c>, or null when unset (systemd's notify socket; <c>@</c> starts an abstract one).</summary>
    public string? NotifySocket { get; set; }

    /// <summary><c>$WATCHDOG_USEC</c>, or null when unset.</summary>
    public string? WatchdogUsec { get; set; }

    /// <summary><c>$WATCHDOG_PID</c>, or null when unset.</summary>
    public string? WatchdogPid { get; set; }

    /// <summary><c>$LISTEN_PID</c>, or null when unset (socket activation).</summary>
    public string? ListenPid { get; set; }

    /// <summary><c>$LISTEN_FDS</c>, or null when unset.</summary>
    public string? ListenFds { get; set; }

    /// <summary><c>$LISTEN_FDNAMES</c>, or null when unset.</summary>
    public string? ListenFdNames { get; set; }

    /// <summary>Whether the daemon cleared the <c>LISTEN_*</c> variables.</summary>
    public bool ListenVariablesCleared { get; private set; }

    /// <summary>Every message sent so far.</summary>
    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_messages)
                return [.. _messages];
        }
    }

    /// <summary>Raised after each message (for waiting on one).</summary>
    public event Action<string>? Sent;

    /// <inheritdoc />
    SystemdFacts ISystemdEnvironment.Observe() =>
        new(Optional(NotifySocket), Optional(WatchdogUsec), Optional(WatchdogPid), Optional(ListenPid), Optional(ListenFds), Optional(ListenFdNames));

    /// <inheritdoc />
    void ISystemdEnvironment.ClearListenVariables()
    {
        ListenVariablesCleared = true;
        ListenPid = ListenFds = ListenFdNames = null;
    }

    /// <inheritdoc />
    bool ISystemdNotifySocket.Notify(NotifyAddress target, string message)
    {
        lock (_messages)
            _messages.Add(message);
        Sent?.Invoke(message);
        return true;
    }
}
