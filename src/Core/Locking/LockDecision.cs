using LanguageExt;

namespace Outfitter.Daemon.Core.Locking;

/// <summary>Whether another open handle holds the kernel lock on the lock file.</summary>
public enum KernelLock
{
    /// <summary>No other handle holds it (when acquiring: we now hold it).</summary>
    Free,

    /// <summary>Another handle holds it: a live owner, whatever the file says.</summary>
    Held,
}

/// <summary>Why a file naming an owner is stale.</summary>
public enum StaleReason
{
    /// <summary>The named process no longer exists.</summary>
    OwnerDead,

    /// <summary>The PID exists but belongs to a different process (its start time differs from the recorded one).</summary>
    PidReused,

    /// <summary>The file names this very process, which does not hold the kernel lock: a leftover of an earlier handle.</summary>
    OwnLeftover,
}

/// <summary>Why the lock is considered held.</summary>
public enum HeldReason
{
    /// <summary>Another handle holds the kernel lock.</summary>
    KernelLock,

    /// <summary>
    /// No kernel lock, but the file names a live process that matches it (a reference-format file written by the
    /// TypeScript package, which takes no kernel lock, or an owner whose start time we could not read).
    /// </summary>
    LiveOwnerInFile,
}

/// <summary>The outcome of looking at a lock: a closed set of cases, decided purely by <see cref="LockDecisions.Decide"/>.</summary>
public abstract record LockDecision
{
    private LockDecision()
    {
    }

    /// <summary>Nothing to reclaim (no file, or an empty one): take the lock and write our identity.</summary>
    public sealed record Acquire : LockDecision;

    /// <summary>The file names an owner that is gone: overwrite it.</summary>
    public sealed record ReclaimStale(int StalePid, StaleReason Reason) : LockDecision;

    /// <summary>The file does not name an owner: overwrite it.</summary>
    public sealed record ReclaimInvalid(string Reason) : LockDecision;

    /// <summary>Someone holds the lock; <paramref name="Pid"/> is theirs when the file names it (else null).</summary>
    /// <param name="Pid">The holder's PID, when the file names a plausible one.</param>
    /// <param name="Reason">Why the lock counts as held.</param>
    public sealed record HeldBy(int? Pid, HeldReason Reason) : LockDecision
    {
        /// <summary>A holder whose PID is an option, as the core's decisions produce it.</summary>
        internal HeldBy(Option<int> pid, HeldReason reason)
            : this(pid.MatchUnsafe(Some: p => (int?)p, None: () => null), reason)
        {
        }

        /// <summary>The holder's PID as the core's decisions use it.</summary>
        internal Option<int> NamedPid => Pid is { } pid ? Prelude.Some(pid) : Prelude.None;
    }
}
