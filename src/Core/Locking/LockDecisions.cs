using LanguageExt;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Locking;

/// <summary>
/// The pure heart of locking: given what the adapter observed (kernel lock, file content, the named process), decide.
/// See docs/adr/0002-single-instance-locking.md.
/// </summary>
internal static class LockDecisions
{
    /// <summary>
    /// Decides what a lock observation means.
    /// </summary>
    /// <param name="kernel">Whether another handle holds the kernel lock.</param>
    /// <param name="content">The lock file's parsed content.</param>
    /// <param name="owner">
    /// The status of the process the content names, when the content names one (None: not inspected, read as alive).
    /// </param>
    /// <param name="self">This process.</param>
    public static LockDecision Decide(KernelLock kernel, LockFileContent content, Option<ProcessStatus> owner, ProcessIdentity self) =>
        kernel switch
        {
            // A kernel lock outlives nothing: if someone holds it, they are alive and own the lock. The file may still name
            // the previous, dead owner (the new one has locked but not yet written): never report that PID as the owner.
            KernelLock.Held => new LockDecision.HeldBy(PlausibleOwner(content, owner, self), HeldReason.KernelLock),
            KernelLock.Free => DecideUnlocked(content, owner, self),
            _ => throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "Unknown kernel lock state."),
        };

    private static Option<int> PlausibleOwner(LockFileContent content, Option<ProcessStatus> owner, ProcessIdentity self) =>
        content switch
        {
            // Our own PID is plausible only as we write it (another handle of ours holds the lock), not as a foreign write.
            LockFileContent.Owned owned when owned.Owner.Pid == self.Pid =>
                owned.Owner.StartTime == self.StartTime ? Some(self.Pid) : None,
            LockFileContent.Owned owned => IsStale(owned.Owner, owner) ? None : Some(owned.Owner.Pid),
            _ => None,
        };

    private static bool IsStale(ProcessIdentity recorded, Option<ProcessStatus> owner) =>
        DecideOwned(recorded, owner.IfNone(new ProcessStatus.Alive(None))) is LockDecision.ReclaimStale;

    private static LockDecision DecideUnlocked(LockFileContent content, Option<ProcessStatus> owner, ProcessIdentity self) =>
        content switch
        {
            LockFileContent.Missing or LockFileContent.Empty => new LockDecision.Acquire(),
            LockFileContent.Invalid invalid => new LockDecision.ReclaimInvalid(invalid.Reason),
            LockFileContent.Owned owned when owned.Owner.Pid == self.Pid =>
                new LockDecision.ReclaimStale(owned.Owner.Pid, StaleReason.OwnLeftover),
            LockFileContent.Owned owned => DecideOwned(owned.Owner, owner.IfNone(new ProcessStatus.Alive(None))),
            _ => throw new ArgumentOutOfRangeException(nameof(content), content, "Unknown lock file content."),
        };

    private static LockDecision DecideOwned(ProcessIdentity recorded, ProcessStatus status) =>
        status switch
        {
            ProcessStatus.Dead => new LockDecision.ReclaimStale(recorded.Pid, StaleReason.OwnerDead),

            // Both start times known and different: the PID was reused by an unrelated process.
            ProcessStatus.Alive alive when recorded.Start.IsSome && alive.StartTime.IsSome && recorded.Start != alive.StartTime =>
                new LockDecision.ReclaimStale(recorded.Pid, StaleReason.PidReused),

            // Alive and matching, or unknown either way: honour it. A live owner without a kernel lock is a TypeScript
            // owner (reference format) or one we cannot tell apart; never two owners outranks never a stale file.
            ProcessStatus.Alive => new LockDecision.HeldBy(Some(recorded.Pid), HeldReason.LiveOwnerInFile),
            _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown process status."),
        };

    /// <summary>True when the decision means a live owner holds the lock (what <c>isDaemonAlive</c> answers).</summary>
    public static bool IsHeld(LockDecision decision) => decision is LockDecision.HeldBy;

    /// <summary>
    /// Whether releasing the handle of <paramref name="ownerPid"/> should delete the file: only while it still names that
    /// PID, so a release never deletes a successor's file.
    /// </summary>
    public static bool ShouldRemoveOnRelease(LockFileContent content, int ownerPid) =>
        content is LockFileContent.Owned owned && owned.Owner.Pid == ownerPid;

    /// <summary>The process whose status the decision needs, if the content names one other than us.</summary>
    public static Option<int> PidToInspect(LockFileContent content, ProcessIdentity self) =>
        content.Pid.Filter(pid => pid != self.Pid);
}
