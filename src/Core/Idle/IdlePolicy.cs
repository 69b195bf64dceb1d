namespace Outfitter.Daemon.Core.Idle;

/// <summary>
/// The IPC server's counters the idle clock reads (a snapshot of <c>IpcServer.Counters</c>): requests answered,
/// connections accepted, and requests whose asynchronous handler is still running.
/// </summary>
/// <param name="Requests">Requests answered so far (results and error replies).</param>
/// <param name="ConnectionsAccepted">Connections accepted so far.</param>
/// <param name="InFlight">Requests received whose reply has not been written yet (asynchronous handlers running).</param>
internal readonly record struct ActivityCounters(long Requests, long ConnectionsAccepted, long InFlight);

/// <summary>
/// What the idle clock knows at one check. Times are readings of a monotonic clock (since any origin), as the shell
/// passes them in; the core never reads a clock.
/// </summary>
/// <param name="Timeout">How long the daemon may be idle before it stops (the configured <c>IdleTimeout</c>).</param>
/// <param name="LastActivity">The check at which activity was last seen: the counters moved, or a request or lease was held.</param>
/// <param name="Counters">The counters as that check read them (the next check compares against these).</param>
/// <param name="Leases">Leases held at that check.</param>
internal sealed record IdleFacts(TimeSpan Timeout, TimeSpan LastActivity, ActivityCounters Counters, int Leases)
{
    /// <summary>A request in flight or a lease held: the idle clock does not run.</summary>
    public bool Held => Counters.InFlight > 0 || Leases > 0;
}

/// <summary>What the idle monitor does after a check.</summary>
internal abstract record IdleStep
{
    private IdleStep()
    {
    }

    /// <summary>Keep running; check again at <paramref name="NextCheck"/> (always later than the check's time).</summary>
    public sealed record Stay(TimeSpan NextCheck) : IdleStep;

    /// <summary>Idle for <paramref name="IdleFor"/>, at least the timeout: stop gracefully.</summary>
    public sealed record Stop(TimeSpan IdleFor) : IdleStep;
}

/// <summary>
/// The idle exit, decided purely. The idle clock is reset by every new connection and every request (received or
/// answered); it does not run while a request is in flight or a lease is held. An open connection that is silent and
/// holds no lease does not keep the daemon alive.
/// <para>
/// The shell samples the server's counters at checks (<see cref="Observe"/>, then <see cref="Decide"/>), so the request
/// path pays nothing for the idle exit. Activity between two checks is dated to the later one, which errs on the side of
/// staying: the daemon never stops before <see cref="IdleFacts.Timeout"/> of idleness, and stops at most one
/// <see cref="PollInterval"/> after it.
/// </para>
/// </summary>
internal static class IdlePolicy
{
    /// <summary>The shortest interval between checks (a tiny timeout is checked no more often than this).</summary>
    public static readonly TimeSpan MinPollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>The longest interval between checks, and so the most a stop can lag behind the timeout.</summary>
    public static readonly TimeSpan MaxPollInterval = TimeSpan.FromSeconds(5);

    /// <summary>How often activity is sampled: a tenth of the timeout, within [10 ms, 5 s].</summary>
    public static TimeSpan PollInterval(TimeSpan timeout)
    {
        var tenth = TimeSpan.FromTicks(Math.Max(timeout.Ticks, 0) / 10);
        return tenth < MinPollInterval ? MinPollInterval : tenth > MaxPollInterval ? MaxPollInterval : tenth;
    }

    /// <summary>The clock when the monitor starts at <paramref name="now"/>: starting counts as activity.</summary>
    public static IdleFacts Start(TimeSpan timeout, ActivityCounters counters, int leases, TimeSpan now) =>
        new(timeout, now, counters, leases);

    /// <summary>
    /// Whether the counters moved between two snapshots: a request was answered or a connection accepted in between.
    /// (A request still in flight is seen through <see cref="ActivityCounters.InFlight"/>.)
    /// </summary>
    public static bool ActivitySeen(ActivityCounters before, ActivityCounters after) =>
        after.Requests != before.Requests || after.ConnectionsAccepted != before.ConnectionsAccepted;

    /// <summary>
    /// The facts after a check at <paramref name="now"/> that read <paramref name="counters"/> and
    /// <paramref name="leases"/>: activity is dated <paramref name="now"/> when the counters moved, or when a request or
    /// lease is held now or was held at the previous check (it ended in between, so the clock starts now). The last
    /// activity never moves backwards.
    /// </summary>
    public static IdleFacts Observe(IdleFacts facts, ActivityCounters counters, int leases, TimeSpan now)
    {
        var active = ActivitySeen(facts.Counters, counters) || facts.Held || counters.InFlight > 0 || leases > 0;
        var last = active && now > facts.LastActivity ? now : facts.LastActivity;
        return facts with { LastActivity = last, Counters = counters, Leases = leases };
    }

    /// <summary>
    /// What to do at <paramref name="now"/>: stay while held (check again one poll interval later); otherwise stop once
    /// idle for the timeout, or check again at the earlier of the deadline and one poll interval later.
    /// </summary>
    public static IdleStep Decide(IdleFacts facts, TimeSpan now)
    {
        var poll = PollInterval(facts.Timeout);
        if (facts.Held)
            return new IdleStep.Stay(Later(now, poll));
        var idle = now > facts.LastActivity ? now - facts.LastActivity : TimeSpan.Zero;
        if (idle >= facts.Timeout)
            return new IdleStep.Stop(idle);
        var untilDeadline = facts.Timeout - idle;
        return new IdleStep.Stay(Later(now, untilDeadline < poll ? untilDeadline : poll));
    }

    /// <summary><paramref name="now"/> + <paramref name="delay"/> (positive), saturating at <see cref="TimeSpan.MaxValue"/>.</summary>
    internal static TimeSpan Later(TimeSpan now, TimeSpan delay) =>
        now.Ticks > TimeSpan.MaxValue.Ticks - delay.Ticks ? TimeSpan.MaxValue : now + delay;
}
