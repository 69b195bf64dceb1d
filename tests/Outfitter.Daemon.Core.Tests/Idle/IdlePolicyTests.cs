using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Outfitter.Daemon.Core.Idle;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Idle;

/// <summary>The idle exit's pure decisions: the idle clock, its resets, and what holds it.</summary>
public sealed class IdlePolicyTests
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(10);
    private static readonly ActivityCounters Quiet = new(Requests: 5, ConnectionsAccepted: 2, InFlight: 0);

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    /// <summary>Timeouts from a millisecond to a year, the poll interval's clamps included.</summary>
    private static Gen<TimeSpan> Timeouts =>
        Gen.Frequency(
            (4, Gen.Choose(1, 120_000).Select(ms => TimeSpan.FromMilliseconds(ms))),
            (1, Gen.Choose(1, 365 * 24).Select(h => TimeSpan.FromHours(h))),
            (1, Gen.Elements(TimeSpan.FromTicks(1), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(50), TimeSpan.FromDays(365))));

    /// <summary>Monotonic readings (or intervals) from zero to ten minutes, and now and then up to decades.</summary>
    private static Gen<TimeSpan> Times =>
        Gen.Frequency(
            (4, Gen.Choose(0, 600_000).Select(ms => TimeSpan.FromMilliseconds(ms))),
            (1, Gen.Choose(0, int.MaxValue).Select(s => TimeSpan.FromSeconds(s))));

    private static Gen<ActivityCounters> Counters =>
        from requests in Gen.Choose(0, 3)
        from accepted in Gen.Choose(0, 3)
        from inFlight in Gen.Frequency((3, Gen.Constant(0)), (1, Gen.Choose(1, 3)))
        select new ActivityCounters(requests, accepted, inFlight);

    private static Gen<IdleFacts> Facts =>
        from timeout in Timeouts
        from last in Times
        from counters in Counters
        from leases in Gen.Frequency((3, Gen.Constant(0)), (1, Gen.Choose(1, 2)))
        select new IdleFacts(timeout, last, counters, leases);

    // Decide

    [Fact]
    public void A_daemon_idle_for_the_timeout_stops_and_one_idle_for_less_stays_until_the_deadline_or_the_next_poll()
    {
        var facts = IdlePolicy.Start(T, Quiet, leases: 0, now: S(100));

        Assert.Equal(new IdleStep.Stop(T), IdlePolicy.Decide(facts, S(110)));
        Assert.Equal(new IdleStep.Stop(S(11)), IdlePolicy.Decide(facts, S(111)));
        Assert.Equal(new IdleStep.Stay(S(101)), IdlePolicy.Decide(facts, S(100)));          // a tenth of T later
        Assert.Equal(new IdleStep.Stay(S(110)), IdlePolicy.Decide(facts, S(109.5)));        // the deadline comes first
    }

    [Fact]
    public void A_request_in_flight_or_a_lease_holds_the_clock_however_long_it_has_been()
    {
        var inFlight = IdlePolicy.Start(T, Quiet with { InFlight = 1 }, leases: 0, now: S(0));
        var leased = IdlePolicy.Start(T, Quiet, leases: 1, now: S(0));

        Assert.Equal(new IdleStep.Stay(S(3601)), IdlePolicy.Decide(inFlight, S(3600)));
        Assert.Equal(new IdleStep.Stay(S(3601)), IdlePolicy.Decide(leased, S(3600)));
    }

    [Theory]
    [InlineData(1, 10)]           // 1 ms: never more often than every 10 ms
    [InlineData(50, 10)]
    [InlineData(2_000, 200)]      // a tenth of the timeout
    [InlineData(30_000, 3_000)]
    [InlineData(900_000, 5_000)]  // 15 min: at most 5 s apart
    public void The_poll_interval_is_a_tenth_of_the_timeout_within_10_ms_and_5_s(int timeoutMs, int pollMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(pollMs), IdlePolicy.PollInterval(TimeSpan.FromMilliseconds(timeoutMs)));
    }

    [Property]
    public Property Never_stops_while_a_request_is_in_flight_or_a_lease_is_held() =>
        Prop.ForAll(
            Arb.From(from facts in Facts.Where(f => f.Held) from later in Times select (Facts: facts, Now: facts.LastActivity + later)),
            c => IdlePolicy.Decide(c.Facts, c.Now) is IdleStep.Stay);

    [Property]
    public Property Otherwise_stops_exactly_when_idle_for_at_least_the_timeout() =>
        Prop.ForAll(
            Arb.From(
                from facts in Facts.Where(f => !f.Held)
                from later in Gen.Frequency(
                    (3, Times),
                    (1, Gen.Elements(facts.Timeout, facts.Timeout - TimeSpan.FromTicks(1), facts.Timeout + TimeSpan.FromTicks(1))))
                select (Facts: facts, Now: facts.LastActivity + later)),
            c =>
            {
                var step = IdlePolicy.Decide(c.Facts, c.Now);
                var idle = c.Now - c.Facts.LastActivity;
                return (step is IdleStep.Stop == idle >= c.Facts.Timeout)
                    .And(step is not IdleStep.Stop stop || stop.IdleFor == idle)
                    .Label($"idle {idle}, timeout {c.Facts.Timeout}: {step}");
            });

    [Property]
    public Property The_next_check_is_never_in_the_past_nor_after_the_deadline_nor_more_than_a_poll_away() =>
        Prop.ForAll(
            Arb.From(from facts in Facts from later in Times select (Facts: facts, Now: facts.LastActivity + later)),
            c =>
            {
                if (IdlePolicy.Decide(c.Facts, c.Now) is not IdleStep.Stay stay)
                    return true.ToProperty();
                var poll = IdlePolicy.PollInterval(c.Facts.Timeout);
                return (stay.NextCheck > c.Now)
                    .And(stay.NextCheck - c.Now <= poll)
                    .And(c.Facts.Held || stay.NextCheck <= c.Facts.LastActivity + c.Facts.Timeout)
                    .Label($"now {c.Now}, next {stay.NextCheck}, poll {poll}, facts {c.Facts}");
            });

    // Observe

    [Fact]
    public void A_new_connection_or_an_answered_request_resets_the_clock_and_a_silent_open_connection_does_not()
    {
        var facts = IdlePolicy.Start(T, Quiet, leases: 0, now: S(0));

        Assert.Equal(S(4), IdlePolicy.Observe(facts, Quiet with { ConnectionsAccepted = 3 }, 0, S(4)).LastActivity);
        Assert.Equal(S(4), IdlePolicy.Observe(facts, Quiet with { Requests = 6 }, 0, S(4)).LastActivity);
        Assert.Equal(S(0), IdlePolicy.Observe(facts, Quiet, 0, S(4)).LastActivity); // connections open, nothing said
    }

    [Fact]
    public void A_request_or_lease_that_ended_between_two_checks_starts_the_clock_at_the_later_check()
    {
        var held = IdlePolicy.Observe(IdlePolicy.Start(T, Quiet, leases: 1, now: S(0)), Quiet, 1, S(60));
        Assert.Equal(S(60), held.LastActivity);

        var released = IdlePolicy.Observe(held, Quiet, 0, S(61));

        Assert.Equal(S(61), released.LastActivity);
        Assert.Equal(new IdleStep.Stay(S(62)), IdlePolicy.Decide(released, S(61)));
        Assert.IsType<IdleStep.Stop>(IdlePolicy.Decide(IdlePolicy.Observe(released, Quiet, 0, S(71)), S(71)));
    }

    [Property]
    public Property Observing_dates_activity_now_and_nothing_else_moves_the_last_activity() =>
        Prop.ForAll(
            Arb.From(
                from facts in Facts
                from counters in Counters
                from leases in Gen.Choose(0, 2)
                from later in Times
                select (Facts: facts, Counters: counters, Leases: leases, Now: facts.LastActivity + later)),
            c =>
            {
                var after = IdlePolicy.Observe(c.Facts, c.Counters, c.Leases, c.Now);
                var active = IdlePolicy.ActivitySeen(c.Facts.Counters, c.Counters) || c.Facts.Held || c.Counters.InFlight > 0 || c.Leases > 0;
                return (after.LastActivity == (active ? c.Now : c.Facts.LastActivity))
                    .And(after.Counters == c.Counters && after.Leases == c.Leases && after.Timeout == c.Facts.Timeout)
                    .Label($"{c.Facts} -> {after}");
            });

    [Property]
    public Property The_last_activity_never_moves_backwards_even_if_a_reading_does() =>
        Prop.ForAll(
            Arb.From(from facts in Facts from counters in Counters from earlier in Times select (Facts: facts, Counters: counters, Earlier: earlier)),
            c => IdlePolicy.Observe(c.Facts, c.Counters, 1, c.Facts.LastActivity - c.Earlier).LastActivity >= c.Facts.LastActivity);

    // The loop the monitor runs

    /// <summary>
    /// The monitor's loop, simulated: checks at the decided times, with activity at random moments (each moves the
    /// counters, as a request or connection does). It stops no earlier than the timeout after the last activity, and no
    /// later than that plus one poll interval.
    /// </summary>
    [Property]
    public Property The_loop_stops_between_the_timeout_and_one_poll_interval_after_the_last_activity() =>
        Prop.ForAll(
            Arb.From(
                from timeout in Gen.Choose(1, 60_000).Select(ms => TimeSpan.FromMilliseconds(ms))
                from count in Gen.Choose(0, 8)
                from gaps in Gen.ArrayOf(Gen.Choose(0, 90_000), count)
                select (Timeout: timeout, Gaps: gaps.Select(ms => TimeSpan.FromMilliseconds(ms)).ToList())),
            c =>
            {
                // Activity times, from the first gap on; the daemon may stop before the later ones.
                var events = new List<TimeSpan>();
                var at = TimeSpan.Zero;
                foreach (var gap in c.Gaps)
                    events.Add(at += gap);

                var requests = 0L;
                var now = TimeSpan.Zero;
                var facts = IdlePolicy.Start(c.Timeout, new ActivityCounters(0, 0, 0), 0, now);
                var lastActivity = TimeSpan.Zero;
                var next = 0;
                for (var step = 0; step < 100_000; step++)
                {
                    switch (IdlePolicy.Decide(facts, now))
                    {
                        case IdleStep.Stop:
                            var poll = IdlePolicy.PollInterval(c.Timeout);
                            return (now - lastActivity >= c.Timeout)
                                .And(now - lastActivity <= c.Timeout + poll)
                                .Label($"stopped at {now}, last activity {lastActivity}, timeout {c.Timeout}, poll {poll}");
                        case IdleStep.Stay stay:
                            while (next < events.Count && events[next] <= stay.NextCheck)
                            {
                                lastActivity = events[next++];
                                requests++;
                            }

                            now = stay.NextCheck;
                            facts = IdlePolicy.Observe(facts, new ActivityCounters(requests, 0, 0), 0, now);
                            break;
                    }
                }

                return false.Label("never stopped");
            });

    [Fact]
    public void Later_saturates_instead_of_overflowing()
    {
        Assert.Equal(TimeSpan.MaxValue, IdlePolicy.Later(TimeSpan.MaxValue - S(1), S(2)));
        Assert.Equal(S(3), IdlePolicy.Later(S(1), S(2)));
    }
}
