namespace Outfitter.Daemon.Core.Tests.Clients;

/// <summary>
/// A discrete-event clock for many concurrent simulated clients: time stands still while anyone computes, and the test
/// moves it to the next timer only when every client is waiting (<see cref="Pending"/> = clients still running). So a
/// waiting client never sees time pass while another one is busy, and 30 simulated seconds take microseconds. Only
/// one-shot timers (what <c>Task.Delay</c> creates). Thread-safe.
/// </summary>
internal sealed class SimulatedClock(DateTimeOffset start) : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<SimulatedTimer> _armed = new();
    private DateTimeOffset _now = start;
    private long _armings;

    /// <summary>Armed timers (each waiting client has exactly one).</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
                return _armed.Count;
        }
    }

    /// <summary>How many times a timer was armed so far (a client that armed one after its last action waits).</summary>
    public long Armings
    {
        get
        {
            lock (_gate)
                return _armings;
        }
    }

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
            return _now;
    }

    /// <inheritdoc />
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc />
    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new SimulatedTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves time to the earliest armed timer and fires it; false when none is armed.</summary>
    public bool FireNext() => FireNextNoLaterThan(DateTimeOffset.MaxValue);

    /// <summary>
    /// Moves time to the earliest armed timer and fires it if it is due no later than <paramref name="limit"/>; false
    /// (time unchanged) when none is armed or the earliest is due after it.
    /// </summary>
    public bool FireNextNoLaterThan(DateTimeOffset limit)
    {
        SimulatedTimer next;
        lock (_gate)
        {
            if (_armed.Count == 0)
                return false;
            next = _armed.MinBy(t => t.Due)!;
            if (next.Due > limit)
                return false;
            _armed.Remove(next);
            if (next.Due > _now)
                _now = next.Due;
        }

        next.Fire();
        return true;
    }

    private sealed class SimulatedTimer(SimulatedClock clock, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset Due { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._gate)
            {
                clock._armed.Remove(this);
                if (dueTime == Timeout.InfiniteTimeSpan)
                    return true;
                Due = clock._now + (dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime);
                clock._armed.Add(this);
                clock._armings++;
                return true;
            }
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (clock._gate)
                clock._armed.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
