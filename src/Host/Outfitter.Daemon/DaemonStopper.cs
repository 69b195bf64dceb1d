using LanguageExt;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Locking;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon;

/// <summary>
/// Signals the process that holds a daemon's lock, and nothing else. Each call is a sandwich: observe the kernel lock,
/// the file and the named process; decide with <see cref="StopDecisions.WhomToSignal"/> and <see cref="StopDecisions.Target"/>; send through
/// <see cref="IProcessSignals"/>, whose adapter re-checks the start time against the very process it signals. A PID
/// read earlier is never signalled: every <see cref="SignalOwner"/> observes afresh. Thread-safe.
/// </summary>
public sealed class DaemonStopper
{
    private static readonly Lazy<DaemonStopper> OsInstance =
        new(() => new DaemonStopper(OsPorts.Current.LockFiles, OsPorts.Current.Processes, OsPorts.Current.ProcessSignals));

    private readonly ILockFiles _files;
    private readonly IProcessTable _processes;
    private readonly IProcessSignals _signals;

    /// <summary>Creates the stopper over the given ports.</summary>
    public DaemonStopper(ILockFiles files, IProcessTable processes, IProcessSignals signals)
    {
        _files = files ?? throw new ArgumentNullException(nameof(files));
        _processes = processes ?? throw new ArgumentNullException(nameof(processes));
        _signals = signals ?? throw new ArgumentNullException(nameof(signals));
    }

    /// <summary>The stopper over this operating system's adapters.</summary>
    public static DaemonStopper Os => OsInstance.Value;

    /// <summary>Whom a stop may signal now, and why not when it may not (observes, decides, sends nothing).</summary>
    public SignalPermission WhomToSignal(string lockPath)
    {
        ArgumentNullException.ThrowIfNull(lockPath);

        // The same observation the lock service decides on; a probe we cannot make counts as "not locked", which
        // refuses (the safe side).
        var content = LockObservation.Content(_files, lockPath);
        var self = _processes.Current;
        return StopDecisions.WhomToSignal(LockObservation.Kernel(_files, lockPath), content, LockObservation.Named(_processes, content, self), self);
    }

    /// <summary>
    /// Sends <paramref name="signal"/> to the lock's holder if, observed now, it provably is the process the lock file
    /// names (kernel lock held, recorded start time equal to the live one) and, when <paramref name="expectedOwner"/> is
    /// given, it is still that process. Never signals anything else.
    /// </summary>
    public OwnerSignalResult SignalOwner(string lockPath, ProcessSignal signal, ProcessIdentity? expectedOwner = null)
    {
        switch (StopDecisions.Target(WhomToSignal(lockPath), Optional(expectedOwner)))
        {
            case SignalTarget.Refuse refuse:
                return new OwnerSignalResult.Refused(refuse.Refusal.Reason, refuse.Refusal.NamedPid, StopDecisions.Explain(refuse.Refusal));
            case SignalTarget.OwnerChanged changed:
                return new OwnerSignalResult.OwnerChanged(changed.Expected, changed.Now);
            case SignalTarget.Send send:
                return _signals.Send(send.Owner, signal).Match<OwnerSignalResult>(
                    Succ: delivery => delivery switch
                    {
                        SignalDelivery.Delivered => new OwnerSignalResult.Sent(send.Owner, signal),
                        SignalDelivery.Gone => new OwnerSignalResult.Gone(send.Owner),
                        SignalDelivery.NotThatProcess => new OwnerSignalResult.Gone(send.Owner),
                        _ => throw new InvalidOperationException($"Unknown signal delivery {delivery}."),
                    },
                    Fail: error => new OwnerSignalResult.Failed(send.Owner, error.Message));
            case var other:
                throw new InvalidOperationException($"Unknown signal target {other}.");
        }
    }
}
