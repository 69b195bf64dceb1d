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
    /// The stop sequence finished: successfully when <paramref name="Error"/> is null. <paramref name="RequestedBy"/> is
    /// the stop signal that requested (or joined) this stop; null when only the API asked for it.
    /// </summary>
    public sealed record Stopped(DaemonError? Error, StopSignal? RequestedBy) : RunEnd
    {
        /// <summary>Whether the stop succeeded (<see cref="Error"/> is null).</summary>
        public bool Succeeded => Error is null;
    }

    /// <summary>
    /// <paramref name="Signal"/> arrived again while a signal-requested stop was running: the user insists. The PID file
    /// has been removed; the shutdown handlers still running are not waited for.
    /// </summary>
    public sealed record Forced(StopSignal Signal) : RunEnd;
}
