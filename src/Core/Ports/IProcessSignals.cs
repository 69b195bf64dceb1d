using LanguageExt;

namespace Outfitter.Daemon.Core.Ports;

/// <summary>What happened to a signal sent with <see cref="IProcessSignals.Send"/>.</summary>
public enum SignalDelivery
{
    /// <summary>The kernel accepted the signal for exactly the identified process.</summary>
    Delivered,

    /// <summary>The process had already exited; nothing was signalled.</summary>
    Gone,

    /// <summary>The PID now names a different process (its start time differs); nothing was signalled.</summary>
    NotThatProcess,
}

/// <summary>
/// Port: sends a signal to one identified process, never to whatever process holds its PID by then. The adapter re-checks
/// the start time as close to the signal as the OS allows (Linux: through a pidfd, so the check and the signal refer to
/// the same process). Thread-safe.
/// </summary>
public interface IProcessSignals
{
    /// <summary>
    /// Sends <paramref name="signal"/> to <paramref name="target"/> if it is still that process (same PID and start time;
    /// a target without a start time is refused as <see cref="SignalDelivery.NotThatProcess"/>). Fails for errors such
    /// as permission denied.
    /// </summary>
    Fin<SignalDelivery> Send(ProcessIdentity target, ProcessSignal signal);
}
