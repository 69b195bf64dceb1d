using Outfitter.Daemon.Core.Locking;

namespace Outfitter.Daemon;

/// <summary>
/// What taking a lock found (<see cref="LockHandle.Acquisition"/>): no owner, or a stale or invalid file it reclaimed.
/// A closed set of cases; immutable.
/// </summary>
public abstract record LockAcquisition
{
    private LockAcquisition()
    {
    }

    /// <summary>There was no lock file, or an empty one.</summary>
    public sealed record Fresh : LockAcquisition;

    /// <summary>The file named <paramref name="StalePid"/>, which was gone (<paramref name="Reason"/>): it was overwritten.</summary>
    /// <param name="StalePid">The PID the stale file named.</param>
    /// <param name="Reason">Why it was stale: the owner died, its PID was reused, or it was this process's own leftover.</param>
    public sealed record ReclaimedStale(int StalePid, StaleReason Reason) : LockAcquisition;

    /// <summary>The file named no owner (<paramref name="Reason"/> says what it held): it was overwritten.</summary>
    /// <param name="Reason">What was wrong with the file.</param>
    public sealed record ReclaimedInvalid(string Reason) : LockAcquisition;

    /// <summary>The acquisition a decision that let us take the lock stands for.</summary>
    internal static LockAcquisition From(LockDecision decision) => decision switch
    {
        LockDecision.Acquire => new Fresh(),
        LockDecision.ReclaimStale stale => new ReclaimedStale(stale.StalePid, stale.Reason),
        LockDecision.ReclaimInvalid invalid => new ReclaimedInvalid(invalid.Reason),
        _ => throw new ArgumentOutOfRangeException(nameof(decision), decision, "A lock handle is made only when the lock was taken."),
    };
}
