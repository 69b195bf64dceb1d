using LanguageExt;

namespace Outfitter.Daemon.Core.Systemd;

/// <summary>The systemd environment variables a service sees, as the shell read them. Immutable.</summary>
/// <param name="NotifySocket"><c>$NOTIFY_SOCKET</c>: where to send <c>sd_notify</c> datagrams.</param>
/// <param name="WatchdogUsec"><c>$WATCHDOG_USEC</c>: the watchdog interval in microseconds.</param>
/// <param name="WatchdogPid"><c>$WATCHDOG_PID</c>: which process the watchdog is for.</param>
/// <param name="ListenPid"><c>$LISTEN_PID</c>: which process the passed sockets are for.</param>
/// <param name="ListenFds"><c>$LISTEN_FDS</c>: how many sockets were passed, starting at fd 3.</param>
/// <param name="ListenFdNames"><c>$LISTEN_FDNAMES</c>: their names, separated by <c>:</c>.</param>
public sealed record SystemdFacts(
    Option<string> NotifySocket,
    Option<string> WatchdogUsec,
    Option<string> WatchdogPid,
    Option<string> ListenPid,
    Option<string> ListenFds,
    Option<string> ListenFdNames)
{
    /// <summary>No systemd at all.</summary>
    public static SystemdFacts None { get; } = new(
        Option<string>.None, Option<string>.None, Option<string>.None, Option<string>.None, Option<string>.None, Option<string>.None);
}

/// <summary>Where notifications go: a filesystem path or an abstract-namespace name (<c>@name</c>).</summary>
/// <param name="Address">The socket address: a path, or the name after <c>@</c>.</param>
/// <param name="IsAbstract">True for the Linux abstract namespace (<c>@…</c> in <c>$NOTIFY_SOCKET</c>).</param>
public sealed record NotifyAddress(string Address, bool IsAbstract);
