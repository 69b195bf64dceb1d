using LanguageExt;
using Outfitter.Daemon.Core.Locking;

// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

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
