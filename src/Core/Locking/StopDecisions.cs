using LanguageExt;

namespace Outfitter.Daemon.Core.Locking;

/// <summary>What a stop does about the process it means to signal: a closed set of cases, decided by <see cref="StopDecisions.Target"/>.</summary>
internal abstract record SignalTarget
{
    private SignalTarget()
    {
    }

    /// <summary>Send the signal to <paramref name="Owner"/>, the verified holder (and the expected one, if one was given).</summary>
    public sealed record Send(ProcessIdentity Owner) : SignalTarget;

    /// <summary>Send nothing: nobody provably holds the lock.</summary>
    public sealed record Refuse(SignalPermission.Refused Refusal) : SignalTarget;

    /// <summary>
    /// Send nothing: the verified holder is <paramref name="Now"/>, not the <paramref name="Expected"/> process this stop
    /// saw before (that one exited and a new daemon took the lock; stopping it was not asked for).
    /// </summary>
    public sealed record OwnerChanged(ProcessIdentity Expected, ProcessIdentity Now) : SignalTarget;
}

/// <summary>What a clean-up may do with a lock file whose kernel lock it holds: a closed set of cases, decided by <see cref="StopDecisions.Cleanup"/>.</summary>
internal abstract record LockFileCleanup
{
    private LockFileCleanup()
    {
    }

    /// <summary>Delete it: it is stale (what acquiring would reclaim, <paramref name="Why"/>).</summary>
    public sealed record Delete(LockDecision Why) : LockFileCleanup;

    /// <summary>Keep it: it names a live owner (<paramref name="Pid"/>), whose file is never deleted.</summary>
    public sealed record Keep(Option<int> Pid) : LockFileCleanup;
}

/// <summary>
/// The pure decision behind <c>stop</c>'s signals: a PID read from a file is only a claim, and signalling the wrong
/// process (a reused PID, or a dead predecessor's PID that the new holder has not yet overwritten) is unrecoverable.
/// So a process may be signalled only when the kernel lock is held (a live holder exists) and the file names a process
/// whose recorded start time is known and equals the live process's start time. Anything less refuses.
/// </summary>
internal static class StopDecisions
{
    /// <summary>Decides whom a stop may signal.</summary>
    /// <param name="kernel">Whether another handle holds the kernel lock on the lock file.</param>
    /// <param name="content">The lock file's parsed content.</param>
    /// <param name="named">The status of the process the content names (None: not inspected).</param>
    /// <param name="self">This process, which is never signalled.</param>
    public static SignalPermission WhomToSignal(KernelLock kernel, LockFileContent content, Option<ProcessStatus> named, ProcessIdentity self)
    {
        var namedPid = content.Pid;
        if (kernel == KernelLock.Free)
            return new SignalPermission.Refused(SignalRefusal.NotLocked, namedPid);
        if (kernel != KernelLock.Held)
            throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "Unknown kernel lock state.");

        return content switch
        {
            LockFileContent.Missing or LockFileContent.Empty or LockFileContent.Invalid =>
                new SignalPermission.Refused(SignalRefusal.NoPidInFile, namedPid),
            LockFileContent.Owned owned when owned.Owner.Pid == self.Pid =>
                new SignalPermission.Refused(SignalRefusal.NamesSelf, namedPid),
            LockFileContent.Owned owned => named.Match(
                None: () => new SignalPermission.Refused(SignalRefusal.NotInspected, namedPid),
                Some: status => DecideNamed(owned.Owner, status)),
            _ => throw new ArgumentOutOfRangeException(nameof(content), content, "Unknown lock file content."),
        };
    }

    private static SignalPermission DecideNamed(ProcessIdentity recorded, ProcessStatus status) =>
        status switch
        {
            ProcessStatus.Dead => new SignalPermission.Refused(SignalRefusal.OwnerDead, (int?)recorded.Pid),
            ProcessStatus.Alive alive when recorded.Start.IsNone || alive.StartTime.IsNone =>
                new SignalPermission.Refused(SignalRefusal.StartTimeUnknown, (int?)recorded.Pid),
            ProcessStatus.Alive alive when alive.StartTime != recorded.Start =>
                new SignalPermission.Refused(SignalRefusal.PidReused, (int?)recorded.Pid),
            ProcessStatus.Alive => new SignalPermission.Allowed(recorded),
            _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown process status."),
        };

    /// <summary>
    /// Whom a stop signals now, given the permission observed just before and, when the stop already saw (or signalled)
    /// a holder, that <paramref name="expected"/> process: only the verified holder, and only if it is still the same
    /// process (PID and start time) as the expected one.
    /// </summary>
    public static SignalTarget Target(SignalPermission permission, Option<ProcessIdentity> expected) =>
        permission switch
        {
            SignalPermission.Refused refused => new SignalTarget.Refuse(refused),
            SignalPermission.Allowed allowed => expected.Match<SignalTarget>(
                Some: e => e == allowed.Owner ? new SignalTarget.Send(allowed.Owner) : new SignalTarget.OwnerChanged(e, allowed.Owner),
                None: () => new SignalTarget.Send(allowed.Owner)),
            _ => throw new ArgumentOutOfRangeException(nameof(permission), permission, "Unknown signal permission."),
        };

    /// <summary>
    /// Whether a clean-up may delete a lock file, decided on <paramref name="whileLocked"/>: the lock decision observed
    /// while the clean-up itself holds the file's kernel lock (so no daemon can be taking it at that moment). Only a
    /// stale or invalid file is deleted; a file naming a live owner (a reference-format daemon that takes no kernel
    /// lock) is kept. Sockets are never deleted by a clean-up: the next daemon replaces a dead one after probing it.
    /// </summary>
    public static LockFileCleanup Cleanup(LockDecision whileLocked) =>
        whileLocked switch
        {
            LockDecision.HeldBy held => new LockFileCleanup.Keep(held.NamedPid),
            LockDecision.Acquire or LockDecision.ReclaimStale or LockDecision.ReclaimInvalid => new LockFileCleanup.Delete(whileLocked),
            _ => throw new ArgumentOutOfRangeException(nameof(whileLocked), whileLocked, "Unknown lock decision."),
        };

    /// <summary>
    /// The last check before a signal, made by the signalling adapter on the process it is about to signal (after
    /// pinning it, e.g. with a pidfd): is <paramref name="now"/> still <paramref name="target"/>? Delivered means "go
    /// ahead": alive with the recorded start time; a target without a start time is never trusted.
    /// </summary>
    public static Ports.SignalDelivery Recheck(ProcessIdentity target, ProcessStatus now) =>
        now switch
        {
            ProcessStatus.Dead => Ports.SignalDelivery.Gone,
            ProcessStatus.Alive alive when target.Start.IsSome && alive.StartTime == target.Start => Ports.SignalDelivery.Delivered,
            _ => Ports.SignalDelivery.NotThatProcess,
        };

    /// <summary>A sentence for people saying why nothing was signalled.</summary>
    public static string Explain(SignalPermission.Refused refused)
    {
        var pid = refused.Named.Match(p => $"PID {p}", () => "no PID");
        return refused.Reason switch
        {
            SignalRefusal.NotLocked => $"nobody holds the kernel lock, so the process the lock file names ({pid}) is not the daemon",
            SignalRefusal.NoPidInFile => "the lock is held, but its file names no PID yet",
            SignalRefusal.NamesSelf => "the lock file names this very process",
            SignalRefusal.NotInspected => $"the process the lock file names ({pid}) could not be inspected",
            SignalRefusal.OwnerDead => $"the process the lock file names ({pid}) is gone; the lock's holder has not written its PID yet",
            SignalRefusal.StartTimeUnknown => $"the start time of {pid} is not recorded or cannot be read, so it may not be the daemon",
            SignalRefusal.PidReused => $"{pid} now belongs to another process (its start time differs from the recorded one)",
            _ => throw new ArgumentOutOfRangeException(nameof(refused), refused.Reason, "Unknown refusal."),
        };
    }
}
