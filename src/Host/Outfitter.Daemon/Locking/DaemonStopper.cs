using LanguageExt;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon;

/// <summary>
/// Signals the process that holds a daemon's lock, and nothing else. Each call is a sandwich: observe the kernel lock,
/// the file and the named process; decide with <see cref="StopDecisions.WhomToSignal"/>; send through
/// <see cref="IProcessSignals"/>, whose adapter re-checks the start time against the very process it signals. A PID
/// read earlier is never signalled: every <see cref="SignalOwner"/> observes afresh. Thread-safe.
/// </summary>
public sealed class DaemonStopper
{
    private static readonly Lazy<DaemonStopper> OsInstance =
        new(() => new DaemonStopper(OsPorts.LockFiles, OsPorts.ProcessTable, OsPorts.ProcessSignals));

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
        switch (WhomToSignal(lockPath))
        {
            case SignalPermission.Refused refused:
                return new OwnerSignalResult.Refused(refused.Reason, refused.NamedPid, StopDecisions.Explain(refused));
            case SignalPermission.Allowed allowed when expectedOwner is not null && allowed.Owner != expectedOwner:
                return new OwnerSignalResult.OwnerChanged(expectedOwner, allowed.Owner);
            case SignalPermission.Allowed allowed:
                return _signals.Send(allowed.Owner, signal).Match<OwnerSignalResult>(
                    Succ: delivery => delivery switch
                    {
                        SignalDelivery.Delivered => new OwnerSignalResult.Sent(allowed.Owner, signal),
                        SignalDelivery.Gone => new OwnerSignalResult.Gone(allowed.Owner),
                        SignalDelivery.NotThatProcess => new OwnerSignalResult.Gone(allowed.Owner),
                        _ => throw new InvalidOperationException($"Unknown signal delivery {delivery}."),
                    },
                    Fail: error => new OwnerSignalResult.Failed(allowed.Owner, error.Message));
            case var other:
                throw new InvalidOperationException($"Unknown signal permission {other}.");
        }
    }
}

/// <summary>What <see cref="DaemonStopper.SignalOwner"/> did. Closed: switch over it exhaustively.</summary>
public abstract record OwnerSignalResult
{
    private OwnerSignalResult()
    {
    }

    /// <summary>The signal went to <paramref name="Owner"/>, the verified holder of the lock.</summary>
    public sealed record Sent(ProcessIdentity Owner, ProcessSignal Signal) : OwnerSignalResult;

    /// <summary>Nothing was signalled: nothing proves that the process the file names holds the lock.</summary>
    /// <param name="Reason">Why.</param>
    /// <param name="NamedPid">The PID the lock file names, if any.</param>
    /// <param name="Message">The reason as a sentence fragment for people.</param>
    public sealed record Refused(SignalRefusal Reason, Option<int> NamedPid, string Message) : OwnerSignalResult;

    /// <summary>The holder exited (or its PID was reused) between the decision and the signal; nothing was signalled.</summary>
    public sealed record Gone(ProcessIdentity Owner) : OwnerSignalResult;

    /// <summary>The lock is now held by <paramref name="Now"/>, not by the expected process; nothing was signalled.</summary>
    public sealed record OwnerChanged(ProcessIdentity Expected, ProcessIdentity Now) : OwnerSignalResult;

    /// <summary>The OS refused the signal (for example, permission denied).</summary>
    public sealed record Failed(ProcessIdentity Owner, string Message) : OwnerSignalResult;
}
