using LanguageExt;
using Outfitter.Daemon.Core.Health;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Health;

/// <summary><see cref="HealthAggregation.Changes"/>: which checks changed status since the last run (what the checker logs).</summary>
public sealed class HealthChangesTests
{
    [Fact]
    public void A_first_run_reports_only_the_checks_that_are_not_healthy()
    {
        var (changed, statuses) = HealthAggregation.Changes(HashMap<string, CheckStatus>(), Health(("db", CheckStatus.Healthy), ("cache", CheckStatus.Degraded), ("queue", CheckStatus.Unhealthy)));

        Assert.Equal([("cache", CheckStatus.Healthy, CheckStatus.Degraded), ("queue", CheckStatus.Healthy, CheckStatus.Unhealthy)], changed.Map(c => (c.Name, c.Was, c.Now.Status)).ToList());
        Assert.Equal(CheckStatus.Healthy, statuses["db"]);
        Assert.Equal(CheckStatus.Unhealthy, statuses["queue"]);
    }

    [Fact]
    public void A_later_run_reports_each_change_once_with_what_the_check_says_now_and_nothing_when_nothing_changed()
    {
        var (_, first) = HealthAggregation.Changes(HashMap<string, CheckStatus>(), Health(("db", CheckStatus.Unhealthy), ("cache", CheckStatus.Healthy)));

        var (changed, second) = HealthAggregation.Changes(first, Health(("db", CheckStatus.Healthy), ("cache", CheckStatus.Degraded)));
        var (unchanged, _) = HealthAggregation.Changes(second, Health(("db", CheckStatus.Healthy), ("cache", CheckStatus.Degraded)));

        Assert.Equal([("db", CheckStatus.Unhealthy, CheckStatus.Healthy), ("cache", CheckStatus.Healthy, CheckStatus.Degraded)], changed.Map(c => (c.Name, c.Was, c.Now.Status)).ToList());
        Assert.Equal("cache says degraded", changed.Last.Now.Message);
        Assert.True(unchanged.IsEmpty);
    }

    private static DaemonHealth Health(params (string Name, CheckStatus Status)[] checks) =>
        HealthAggregation.Aggregate(
            toSeq(checks.Select(c => new CheckReport(c.Name, c.Status switch
            {
                CheckStatus.Healthy => new CheckOutcome.Passed(null),
                CheckStatus.Degraded => new CheckOutcome.Degraded($"{c.Name} says degraded"),
                _ => (CheckOutcome)new CheckOutcome.Failed($"{c.Name} says unhealthy"),
            }, TimeSpan.FromMilliseconds(1)))),
            TimeSpan.Zero);
}
