using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Outfitter.Daemon.Core.Health;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Health;

/// <summary>Generators for reports as the shell builds them: any outcome with tags, data, an exception and a failure status.</summary>
internal static class ReportGenerators
{
    /// <summary>Every status, plus a value outside the enum (a cast from a bad integer).</summary>
    public static Gen<CheckStatus> AnyStatus =>
        Gen.Elements(CheckStatus.Unhealthy, CheckStatus.Degraded, CheckStatus.Healthy, (CheckStatus)7, (CheckStatus)(-1));

    /// <summary>Data values of every kind the JSON writer distinguishes, and some it does not know.</summary>
    public static Gen<object?> DataValue =>
        Gen.OneOf(
            HealthGenerators.Message.Select(m => (object?)m),
            Gen.Elements<object?>(
                null, true, false, 0, -1, int.MaxValue, long.MinValue, (short)3, (byte)255, (sbyte)-8, (ushort)9, 42u, ulong.MaxValue,
                1.5, -0.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, float.NaN, 2.25f, decimal.MaxValue, 0.1m,
                'x', '\0', TimeSpan.FromSeconds(90), new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc), Guid.Empty, DayOfWeek.Friday,
                new Uri("unix:///run/x.sock"), new[] { 1, 2 }, new object(), new ThrowingToString(), new NullToString(), new LoneSurrogate()));

    /// <summary>Key/value data with unique keys, often empty.</summary>
    public static Gen<Seq<(string Key, object? Value)>> Data =>
        Gen.Frequency(
            (2, Gen.Constant(Seq<(string, object?)>())),
            (3, Gen.ListOf(HealthGenerators.Text(0, 4).Zip(DataValue))
                .Select(list => toSeq(list.DistinctBy(kv => kv.Item1).Select(kv => (kv.Item1, kv.Item2)).ToList()))));

    /// <summary>Tags, often none.</summary>
    public static Gen<Seq<string>> Tags =>
        Gen.Frequency(
            (2, Gen.Constant(Seq<string>())),
            (3, Gen.ListOf(HealthGenerators.Text(0, 4)).Select(l => toSeq(l.ToList()))));

    /// <summary>Reports with unique names and everything a bridged check can carry.</summary>
    public static Gen<Seq<CheckReport>> Reports =>
        Gen.ListOf(
                from name in HealthGenerators.Name
                from outcome in HealthGenerators.Outcome
                from duration in HealthGenerators.Duration
                from tags in Tags
                from data in Data
                from exception in Gen.Frequency((2, Gen.Constant<string?>(null)), (1, HealthGenerators.Message.Select(m => (string?)m)))
                from failure in AnyStatus
                select new CheckReport(name, outcome, duration) { Tags = tags, Data = data, ExceptionMessage = exception, FailureStatus = failure })
            .Select(list => toSeq(list.DistinctBy(r => r.Name).ToList()));

    /// <summary>A value whose <c>ToString</c> throws.</summary>
    public sealed class ThrowingToString
    {
        /// <inheritdoc />
        public override string ToString() => throw new InvalidOperationException("no text for you");
    }

    /// <summary>A value whose <c>ToString</c> returns null.</summary>
    public sealed class NullToString
    {
        /// <inheritdoc />
        public override string? ToString() => null;
    }

    /// <summary>A value whose text is an unpaired surrogate.</summary>
    public sealed class LoneSurrogate
    {
        /// <inheritdoc />
        public override string ToString() => "a\ud800b\udc00";
    }
}

/// <summary>Status (healthy, degraded, unhealthy), tags, data and exception messages through the pure aggregation.</summary>
public sealed class HealthStatusTests
{
    private static readonly TimeSpan Duration = TimeSpan.FromMilliseconds(3);

    private static CheckStatus Expected(CheckReport report) => report.Outcome switch
    {
        CheckOutcome.Passed => CheckStatus.Healthy,
        CheckOutcome.Degraded => CheckStatus.Degraded,
        CheckOutcome.Failed => CheckStatus.Unhealthy,
        CheckOutcome.Threw or CheckOutcome.TimedOut => report.FailureStatus == CheckStatus.Degraded ? CheckStatus.Degraded : CheckStatus.Unhealthy,
        _ => throw new ArgumentOutOfRangeException(nameof(report), report.Outcome, "unknown outcome"),
    };

    [Fact]
    public void A_degraded_check_makes_the_status_degraded_but_still_healthy()
    {
        var status = HealthAggregation.Aggregate(
            Seq(
                new CheckReport("database", new CheckOutcome.Passed(), Duration),
                new CheckReport("cache", new CheckOutcome.Degraded("slow responses"), Duration)),
            TimeSpan.Zero);

        Assert.Equal(CheckStatus.Degraded, status.Status);
        Assert.True(status.Healthy);
        Assert.Equal(CheckStatus.Degraded, status["cache"]!.Status);
        Assert.True(status["cache"]!.Healthy);
        Assert.Equal("slow responses", status["cache"]!.Message);
        Assert.Equal("degraded: cache: slow responses", HealthAggregation.Summary(status));
    }

    [Fact]
    public void An_unhealthy_check_outranks_a_degraded_one_and_the_summary_names_both()
    {
        var status = HealthAggregation.Aggregate(
            Seq(
                new CheckReport("cache", new CheckOutcome.Degraded("slow"), Duration),
                new CheckReport("database", new CheckOutcome.Failed("refused"), Duration)),
            TimeSpan.Zero);

        Assert.Equal(CheckStatus.Unhealthy, status.Status);
        Assert.False(status.Healthy);
        Assert.Equal("unhealthy: database: refused; degraded: cache: slow", HealthAggregation.Summary(status));
    }

    [Theory]
    [InlineData(CheckStatus.Unhealthy, CheckStatus.Unhealthy)]
    [InlineData(CheckStatus.Degraded, CheckStatus.Degraded)]
    [InlineData(CheckStatus.Healthy, CheckStatus.Unhealthy)]
    [InlineData((CheckStatus)7, CheckStatus.Unhealthy)]
    public void A_throw_or_time_out_takes_the_failure_status_but_is_never_healthy(CheckStatus failureStatus, CheckStatus expected)
    {
        var threw = HealthAggregation.ToResult(new CheckReport("x", new CheckOutcome.Threw("boom"), Duration) { FailureStatus = failureStatus });
        var timedOut = HealthAggregation.ToResult(new CheckReport("x", new CheckOutcome.TimedOut(TimeSpan.FromSeconds(5)), Duration) { FailureStatus = failureStatus });

        Assert.Equal(expected, threw.Status);
        Assert.Equal("boom", threw.Message);
        Assert.Equal("boom", threw.ExceptionMessage);
        Assert.Equal(expected, timedOut.Status);
        Assert.Equal("timed out after 5 s", timedOut.Message);
    }

    [Fact]
    public void Tags_data_and_the_exception_message_are_carried_into_the_result()
    {
        var result = HealthAggregation.ToResult(
            new CheckReport("db", new CheckOutcome.Failed("refused"), Duration)
            {
                Tags = Seq("ready", "db"),
                Data = Seq(("host", (object?)"db1"), ("attempts", 3)),
                ExceptionMessage = "Connection refused (db1:5432)",
            });

        Assert.Equal(
            new CheckResult(CheckStatus.Unhealthy, "refused", Duration, ["ready", "db"], [new("host", "db1"), new("attempts", 3)], "Connection refused (db1:5432)"),
            result);
        Assert.Equal(new[] { "ready", "db" }, result.Tags);
        Assert.Equal(3, result.Data["attempts"]);
    }

    [Theory]
    [InlineData(CheckStatus.Healthy, true, true)]
    [InlineData(CheckStatus.Healthy, false, true)]
    [InlineData(CheckStatus.Degraded, true, true)]
    [InlineData(CheckStatus.Degraded, false, false)]
    [InlineData(CheckStatus.Unhealthy, true, false)]
    [InlineData(CheckStatus.Unhealthy, false, false)]
    [InlineData((CheckStatus)7, true, false)]
    public void Counts_as_healthy_follows_the_degraded_policy(CheckStatus status, bool degradedIsHealthy, bool expected)
    {
        Assert.Equal(expected, HealthAggregation.CountsAsHealthy(status, degradedIsHealthy));
    }

    [Fact]
    public void The_reference_constructors_still_build_healthy_and_unhealthy_results()
    {
        var degradedCheck = new CheckResult(CheckStatus.Degraded, "slow", Duration);

        Assert.Equal(CheckStatus.Healthy, new CheckResult(true, null, Duration).Status);
        Assert.Equal(CheckStatus.Unhealthy, new CheckResult(false, "x", Duration).Status);
        Assert.Equal(CheckStatus.Healthy, new DaemonHealth(true, [("a", new CheckResult(true, null, Duration))], 1).Status);
        Assert.Equal(CheckStatus.Degraded, new DaemonHealth(true, [("a", degradedCheck)], 1).Status);
        Assert.Equal(CheckStatus.Unhealthy, new DaemonHealth(false, [("a", degradedCheck)], 1).Status);
        var (healthy, message, duration) = new CheckResult(false, "x", Duration);
        Assert.Equal((false, "x", Duration), (healthy, message, duration));
    }

    [Fact]
    public void An_undefined_status_is_rejected_with_a_clear_error()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new CheckResult((CheckStatus)9, null, Duration));
        Assert.Contains("Unhealthy, Degraded or Healthy", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DaemonHealth((CheckStatus)9, [], 0));
    }

    [Fact]
    public void Results_are_equal_only_when_tags_and_data_are()
    {
        var a = new CheckResult(CheckStatus.Degraded, "m", Duration, ["t"], [new("k", 1)], "e");

        Assert.Equal(a, new CheckResult(CheckStatus.Degraded, "m", Duration, ["t"], [new("k", 1)], "e"));
        Assert.NotEqual(a, new CheckResult(CheckStatus.Degraded, "m", Duration, ["u"], [new("k", 1)], "e"));
        Assert.NotEqual(a, new CheckResult(CheckStatus.Degraded, "m", Duration, ["t"], [new("k", 2)], "e"));
        Assert.NotEqual(a, new CheckResult(CheckStatus.Degraded, "m", Duration, ["t"], [new("k", 1)], null));
        Assert.NotEqual(a, new CheckResult(CheckStatus.Healthy, "m", Duration, ["t"], [new("k", 1)], "e"));
    }

    [Property(MaxTest = 300)]
    public Property The_status_is_the_worst_of_the_checks_and_healthy_means_none_is_unhealthy() =>
        Prop.ForAll(
            Arb.From(ReportGenerators.Reports),
            reports =>
            {
                var status = HealthAggregation.Aggregate(reports, TimeSpan.Zero);
                var expected = reports.IsEmpty ? CheckStatus.Healthy : reports.Map(Expected).Min();
                return (status.Status == expected
                        && status.Healthy == (expected != CheckStatus.Unhealthy)
                        && status.Checks.Select(c => c.Result.Status).SequenceEqual(reports.Map(Expected)))
                    .Label($"{status.Status}, expected {expected}");
            });

    [Property(MaxTest = 300)]
    public Property Every_result_carries_its_reports_tags_data_and_exception_message() =>
        Prop.ForAll(
            Arb.From(ReportGenerators.Reports),
            reports =>
            {
                var status = HealthAggregation.Aggregate(reports, TimeSpan.Zero);
                return reports.Zip(toSeq(status.Checks)).ForAll(pair =>
                {
                    var (report, (name, result)) = pair;
                    var exception = report.Outcome is CheckOutcome.Threw t ? report.ExceptionMessage ?? t.Message : report.ExceptionMessage;
                    return name == report.Name
                           && result.Duration == report.Duration
                           && result.Tags.SequenceEqual(report.Tags)
                           && result.Data.Keys.SequenceEqual(report.Data.Map(d => d.Key))
                           && report.Data.ForAll(d => Equals(result.Data[d.Key], d.Value))
                           && result.ExceptionMessage == exception;
                });
            });

    [Property(MaxTest = 300)]
    public Property Counts_as_healthy_is_never_true_for_unhealthy_and_only_policy_decides_degraded() =>
        Prop.ForAll(
            Arb.From(ReportGenerators.AnyStatus.Zip(ArbMap.Default.GeneratorFor<bool>())),
            c =>
            {
                var (status, degradedIsHealthy) = c;
                var counts = HealthAggregation.CountsAsHealthy(status, degradedIsHealthy);
                return status switch
                {
                    CheckStatus.Healthy => counts,
                    CheckStatus.Degraded => counts == degradedIsHealthy,
                    _ => !counts,
                };
            });
}
