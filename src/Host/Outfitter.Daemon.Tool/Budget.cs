namespace Outfitter.Daemon.Tool;

/// <summary>
/// One deadline shared by every phase of a command (ask, wait, signal, wait, kill): each phase takes what is left, so
/// the command as a whole never outlasts its <c>--timeout</c>. Time comes from the injected <see cref="TimeProvider"/>
/// (monotonic timestamps, not the wall clock). Not thread-safe; one command uses it.
/// </summary>
internal sealed class Budget
{
    private readonly TimeProvider _time;
    private readonly long _started;

    internal Budget(TimeSpan total, TimeProvider time)
    {
        if (total <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(total), total, "A budget must be positive.");
        Total = total;
        _time = time;
        _started = time.GetTimestamp();
    }

    /// <summary>The whole budget.</summary>
    internal TimeSpan Total { get; }

    /// <summary>Time spent so far.</summary>
    internal TimeSpan Elapsed => _time.GetElapsedTime(_started);

    /// <summary>What is left; zero once spent.</summary>
    internal TimeSpan Remaining => Total - Elapsed is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero;

    /// <summary>Whether nothing is left.</summary>
    internal bool IsSpent => Remaining == TimeSpan.Zero;

    /// <summary>What is left, but at most <paramref name="cap"/> (a phase that must leave time for later ones).</summary>
    internal TimeSpan RemainingAtMost(TimeSpan cap) => Remaining < cap ? Remaining : cap;
}
