using LanguageExt;
using Outfitter.Daemon.Core.Lifecycle;

// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

/// <summary>
/// How one run of a daemon ended, as whoever owns the process needs to know it to decide whether (and with which code)
/// the process exits: the daemon itself never exits the process (see <see cref="SignalPolicy.ExitCode"/>).
/// </summary>
public abstract record RunEnd
{
    private RunEnd()
    {
    }

    /// <summary>
    /// The stop sequence finished with <paramref name="Result"/>. <paramref name="RequestedBy"/> is the stop signal that
    /// requested (or joined) this stop; None when only the API asked for it.
    /// </summary>
    public sealed record Stopped(Either<DaemonError, Unit> Result, Option<StopSignal> RequestedBy) : RunEnd;

    /// <summary>
    /// <paramref name="Signal"/> arrived again while a signal-requested stop was running: the user insists. The PID file
    /// has been removed; the shutdown handlers still running are not waited for.
    /// </summary>
    public sealed record Forced(StopSignal Signal) : RunEnd;
}
