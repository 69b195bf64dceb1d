using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Outfitter.Daemon.Core.Health;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Health;

/// <summary>
/// Generators for the health tests: names and messages built from whole "atoms" (so surrogate pairs never split),
/// biased towards the characters that JSON must escape and that a naive summary would mangle.
/// </summary>
internal static class HealthGenerators
{
    private static readonly string[] Atoms =
    {
        "a", "b", "db", "Z", "0", "9", "-", "_", ".", " ", "\"", "\\", "/", "'", "<", ">", "&", "+", ":", ";",
        "é", "ß", "漢", "😀", "\u00a0", "\u2028", "\n", "\r", "\t", "\0", "\u0001", "\u001f", "\u007f",
    };

    /// <summary>A string of <paramref name="min"/> to <paramref name="max"/> atoms.</summary>
    public static Gen<string> Text(int min, int max) =>
        Gen.Choose(min, max)
            .SelectMany(n => Gen.ArrayOf(Gen.Elements(Atoms), n))
            .Select(parts => string.Concat(parts));

    /// <summary>Check names: never empty, often hostile to JSON.</summary>
    public static Gen<string> Name => Text(1, 6);

    /// <summary>Failure messages, including the empty one.</summary>
    public static Gen<string> Message => Text(0, 10);

    /// <summary>Time-out spans in whole milliseconds, often whole seconds, so the expected rendering is unambiguous.</summary>
    public static Gen<TimeSpan> TimeoutSpan =>
        Gen.Frequency(
            (2, Gen.Choose(1, 3600).Select(s => TimeSpan.FromSeconds(s))),
            (2, Gen.Choose(1, 100_000).Select(ms => TimeSpan.FromMilliseconds(ms))),
            (1, Gen.Elements(
                TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(999),
                TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(1001), TimeSpan.FromMilliseconds(1500),
                TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1), TimeSpan.FromDays(1))));

    /// <summary>Any outcome; Passed (mostly without a message) is as likely as all the others together.</summary>
    public static Gen<CheckOutcome> Outcome =>
        Gen.Frequency(
            (3, Gen.Constant<CheckOutcome>(new CheckOutcome.Passed())),
            (1, Message.Select(m => (CheckOutcome)new CheckOutcome.Passed(m))),
            (1, Message.Select(m => (CheckOutcome)new CheckOutcome.Degraded(m))),
            (1, Message.Select(m => (CheckOutcome)new CheckOutcome.Failed(m))),
            (1, Message.Select(m => (CheckOutcome)new CheckOutcome.Threw(m))),
            (1, TimeoutSpan.Select(t => (CheckOutcome)new CheckOutcome.TimedOut(t))));

    /// <summary>Check durations: zero, one tick, the default timeout, and anything up to a few minutes.</summary>
    public static Gen<TimeSpan> Duration =>
        Gen.Frequency(
            (1, Gen.Elements(TimeSpan.Zero, TimeSpan.FromTicks(1), HealthAggregation.DefaultCheckTimeout)),
            (4, Gen.Choose(0, int.MaxValue).Select(ticks => TimeSpan.FromTicks(ticks))));

    /// <summary>Finished checks with unique names (as registration guarantees), sometimes all passing, sometimes none.</summary>
    public static Gen<Seq<(string Name, CheckOutcome Outcome, TimeSpan Duration)>> Finished
    {
        get
        {
            Gen<Seq<(string, CheckOutcome, TimeSpan)>> Of(Gen<CheckOutcome> outcome) =>
                Gen.ListOf(
                        from name in Name
                        from o in outcome
                        from duration in Duration
                        select (name, o, duration))
                    .Select(list => toSeq(list.DistinctBy(c => c.name).ToList()));

            return Gen.Frequency(
                (1, Gen.Constant(Seq<(string, CheckOutcome, TimeSpan)>())),
                (2, Of(Gen.Constant<CheckOutcome>(new CheckOutcome.Passed()))),
                (5, Of(Outcome)));
        }
    }

    /// <summary>
    /// Time since the checker was created: negative, zero, just around whole seconds, and up to ten years. Capped there
    /// because Core floors the double <c>TotalSeconds</c>, which rounds "one tick short of a second" up beyond ~14 years.
    /// </summary>
    public static Gen<TimeSpan> SinceCreated
    {
        get
        {
            var tenYearsInSeconds = (int)TimeSpan.FromDays(3653).TotalSeconds;
            return Gen.Frequency(
                (1, Gen.Elements(
                    TimeSpan.MinValue, TimeSpan.FromSeconds(-1), TimeSpan.FromTicks(-1), TimeSpan.Zero, TimeSpan.FromTicks(1),
                    TimeSpan.FromSeconds(1) - TimeSpan.FromTicks(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1) + TimeSpan.FromTicks(1))),
                (2, from seconds in Gen.Choose(0, tenYearsInSeconds)
                    from offset in Gen.Elements(-1L, 0L, 1L, TimeSpan.TicksPerSecond / 2)
                    select TimeSpan.FromTicks(seconds * TimeSpan.TicksPerSecond + offset)),
                (2, Gen.Choose(int.MinValue, int.MaxValue).Select(ticks => TimeSpan.FromTicks(ticks))));
        }
    }

    /// <summary>A status as <see cref="HealthAggregation.Aggregate"/> builds it.</summary>
    public static Gen<DaemonHealth> Status =>
        from finished in Finished
        from since in SinceCreated
        select HealthAggregation.Aggregate(finished, since);

    /// <summary>
    /// The model's rendering of a time-out span (whole milliseconds): whole seconds as "5 s", everything else as "250 ms".
    /// </summary>
    public static string Rendered(TimeSpan after)
    {
        var ms = after.Ticks / TimeSpan.TicksPerMillisecond;
        return ms >= 1000 && ms % 1000 == 0 ? $"{ms / 1000} s" : $"{ms} ms";
    }

    /// <summary>The model: whole seconds in <paramref name="since"/>, computed in integer ticks; 0 when not positive.</summary>
    public static long WholeSeconds(TimeSpan since) => since <= TimeSpan.Zero ? 0 : since.Ticks / TimeSpan.TicksPerSecond;
}

public sealed class HealthAggregationTests
{
    /// <summary>Whether an outcome counts against health (a degraded or passed check does not).</summary>
    private static bool Fails(CheckOutcome outcome) => outcome is CheckOutcome.Failed or CheckOutcome.Threw or CheckOutcome.TimedOut;

    /// <summary>The names of the failed checks, in registration order.</summary>
    private static Seq<string> FailedChecks(DaemonHealth status) => toSeq(status.Checks.Where(c => !c.Result.Healthy).Select(c => c.Name));

    private static readonly TimeSpan Duration = TimeSpan.FromMilliseconds(12);

    private static Seq<(string Name, CheckOutcome Outcome, TimeSpan Duration)> Checks(params (string Name, CheckOutcome Outcome)[] checks) =>
        toSeq(checks.Select(c => (c.Name, c.Outcome, Duration)).ToList());

    private static CheckResult Result(DaemonHealth status, string name) =>
        status[name] ?? throw new InvalidOperationException($"no result for \"{name}\"");

    // DefaultCheckTimeout

    [Fact]
    public void The_default_check_timeout_is_five_seconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), HealthAggregation.DefaultCheckTimeout);
    }

    // Aggregate: examples

    [Fact]
    public void No_checks_means_healthy_with_no_results()
    {
        var status = HealthAggregation.Aggregate(Seq<(string, CheckOutcome, TimeSpan)>(), TimeSpan.FromSeconds(3));

        Assert.True(status.Healthy);
        Assert.True(status.Checks.Count == 0);
        Assert.True(FailedChecks(status).IsEmpty);
        Assert.Equal(3, status.Uptime);
    }

    [Fact]
    public void All_passing_checks_are_healthy_and_carry_no_message()
    {
        var status = HealthAggregation.Aggregate(
            Checks(("database", new CheckOutcome.Passed()), ("cache", new CheckOutcome.Passed())), TimeSpan.Zero);

        Assert.True(status.Healthy);
        Assert.Equal(new CheckResult(true, null, Duration), Result(status, "database"));
        Assert.Equal(new CheckResult(true, null, Duration), Result(status, "cache"));
    }

    [Fact]
    public void One_failed_check_makes_the_status_unhealthy_and_carries_its_message()
    {
        var status = HealthAggregation.Aggregate(
            Checks(("database", new CheckOutcome.Failed("connection refused")), ("cache", new CheckOutcome.Passed())), TimeSpan.Zero);

        Assert.False(status.Healthy);
        Assert.Equal(new CheckResult(false, "connection refused", Duration), Result(status, "database"));
        Assert.True(Result(status, "cache").Healthy);
        Assert.Equal(Seq1("database"), FailedChecks(status));
    }

    [Fact]
    public void A_check_that_threw_is_unhealthy_with_the_exception_message()
    {
        var status = HealthAggregation.Aggregate(Checks(("disk", new CheckOutcome.Threw("boom"))), TimeSpan.Zero);

        Assert.False(status.Healthy);
        Assert.Equal(new CheckResult(CheckStatus.Unhealthy, "boom", Duration, exceptionMessage: "boom"), Result(status, "disk"));
    }

    [Theory]
    [InlineData(5_000L, "timed out after 5 s")]
    [InlineData(1_000L, "timed out after 1 s")]
    [InlineData(60_000L, "timed out after 60 s")]
    [InlineData(250L, "timed out after 250 ms")]
    [InlineData(999L, "timed out after 999 ms")]
    [InlineData(1_500L, "timed out after 1500 ms")]
    public void A_timed_out_check_is_unhealthy_and_says_after_how_long(long milliseconds, string expected)
    {
        var status = HealthAggregation.Aggregate(
            Checks(("slow", new CheckOutcome.TimedOut(TimeSpan.FromMilliseconds(milliseconds)))), TimeSpan.Zero);

        Assert.False(status.Healthy);
        Assert.Equal(expected, Result(status, "slow").Message);
    }

    [Theory]
    [InlineData(0L, 0L)]
    [InlineData(1L, 0L)]
    [InlineData(9_999_999L, 0L)]
    [InlineData(10_000_000L, 1L)]
    [InlineData(10_000_001L, 1L)]
    [InlineData(36_000_000_000L, 3600L)]
    [InlineData(-1L, 0L)]
    [InlineData(-10_000_000L, 0L)]
    [InlineData(long.MinValue, 0L)]
    public void Uptime_is_the_whole_seconds_since_creation_and_never_negative(long ticks, long expected)
    {
        var status = HealthAggregation.Aggregate(Seq<(string, CheckOutcome, TimeSpan)>(), TimeSpan.FromTicks(ticks));

        Assert.Equal(expected, status.Uptime);
    }

    [Fact]
    public void The_indexer_finds_a_result_by_exact_name_and_none_for_unknown_names()
    {
        var status = HealthAggregation.Aggregate(
            Checks(("database", new CheckOutcome.Passed()), ("cache", new CheckOutcome.Failed("cold"))), TimeSpan.Zero);

        Assert.Equal(new CheckResult(false, "cold", Duration), status["cache"]);
        Assert.True(status["queue"] is null);
        Assert.True(status["Database"] is null);
        Assert.True(status[""] is null);
    }

    [Fact]
    public void Failed_checks_lists_the_unhealthy_names_in_registration_order()
    {
        var status = HealthAggregation.Aggregate(
            Checks(
                ("c", new CheckOutcome.Threw("x")),
                ("a", new CheckOutcome.Passed()),
                ("b", new CheckOutcome.TimedOut(TimeSpan.FromSeconds(1))),
                ("d", new CheckOutcome.Failed("y"))),
            TimeSpan.Zero);

        Assert.Equal(Seq("c", "b", "d"), FailedChecks(status));
        Assert.Equal(Seq("c", "a", "b", "d"), status.Checks.Select(c => c.Name));
    }

    // Summary

    [Fact]
    public void Summary_of_several_healthy_checks_counts_them()
    {
        var status = HealthAggregation.Aggregate(
            Checks(("a", new CheckOutcome.Passed()), ("b", new CheckOutcome.Passed()), ("c", new CheckOutcome.Passed())), TimeSpan.Zero);

        Assert.Equal("healthy (3 checks)", HealthAggregation.Summary(status));
    }

    [Fact]
    public void Summary_of_one_healthy_check_uses_the_singular()
    {
        var status = HealthAggregation.Aggregate(Checks(("a", new CheckOutcome.Passed())), TimeSpan.Zero);

        Assert.Equal("healthy (1 check)", HealthAggregation.Summary(status));
    }

    [Fact]
    public void Summary_of_no_checks_is_healthy_with_zero_checks()
    {
        var status = HealthAggregation.Aggregate(Seq<(string, CheckOutcome, TimeSpan)>(), TimeSpan.Zero);

        Assert.Equal("healthy (0 checks)", HealthAggregation.Summary(status));
    }

    [Fact]
    public void Summary_of_an_unhealthy_status_lists_each_failed_check_with_its_message_in_order()
    {
        var status = HealthAggregation.Aggregate(
            Checks(
                ("database", new CheckOutcome.Failed("connection refused")),
                ("cache", new CheckOutcome.Passed()),
                ("disk", new CheckOutcome.TimedOut(TimeSpan.FromSeconds(5)))),
            TimeSpan.Zero);

        Assert.Equal("unhealthy: database: connection refused; disk: timed out after 5 s", HealthAggregation.Summary(status));
    }

    // Aggregate: properties

    [Property(MaxTest = 300)]
    public Property Healthy_exactly_when_every_outcome_passed_and_empty_is_healthy() =>
        Prop.ForAll(
            Arb.From(HealthGenerators.Finished.Zip(HealthGenerators.SinceCreated)),
            c =>
            {
                var (finished, since) = c;
                var expected = !finished.Exists(f => Fails(f.Outcome));
                return (HealthAggregation.Aggregate(finished, since).Healthy == expected).Label($"{finished.Count} checks");
            });

    [Property(MaxTest = 300)]
    public Property Every_name_appears_exactly_once_in_input_order_with_its_duration() =>
        Prop.ForAll(
            Arb.From(HealthGenerators.Finished.Zip(HealthGenerators.SinceCreated)),
            c =>
            {
                var (finished, since) = c;
                var status = HealthAggregation.Aggregate(finished, since);
                return status.Checks.Select(r => (r.Name, r.Result.Duration)).SequenceEqual(finished.Map(f => (f.Name, f.Duration)));
            });

    [Property(MaxTest = 300)]
    public Property Each_result_matches_its_outcome_and_carries_its_message() =>
        Prop.ForAll(
            Arb.From(HealthGenerators.Finished.Zip(HealthGenerators.SinceCreated)),
            c =>
            {
                var (finished, since) = c;
                var status = HealthAggregation.Aggregate(finished, since);
                return finished.Zip(toSeq(status.Checks)).ForAll(pair =>
                {
                    var ((_, outcome, _), (_, result)) = pair;
                    var ok = outcome switch
                    {
                        CheckOutcome.Passed p => result.Status == CheckStatus.Healthy && result.Message == p.Message,
                        CheckOutcome.Degraded d => result.Status == CheckStatus.Degraded && result.Healthy && result.Message == d.Message,
                        CheckOutcome.Failed f => !result.Healthy && result.Message == f.Message && result.ExceptionMessage is null,
                        CheckOutcome.Threw t => !result.Healthy && result.Message == t.Message && result.ExceptionMessage == t.Message,
                        CheckOutcome.TimedOut t => !result.Healthy
                            && result.Message is { } m && (m.Contains($"timed out after {HealthGenerators.Rendered(t.After)}", StringComparison.Ordinal)),
                        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "unknown outcome"),
                    };
                    return ok;
                }).Label(string.Join(" | ", status.Checks.Select(r => $"{r.Name}={r.Result}")));
            });

    [Property(MaxTest = 300)]
    public Property Failed_checks_are_exactly_the_names_of_outcomes_that_did_not_pass_in_order() =>
        Prop.ForAll(
            Arb.From(HealthGenerators.Finished.Zip(HealthGenerators.SinceCreated)),
            c =>
            {
                var (finished, since) = c;
                var expected = finished.Filter(f => Fails(f.Outcome)).Map(f => f.Name);
                return FailedChecks(HealthAggregation.Aggregate(finished, since)).SequenceEqual(expected);
            });

    [Property(MaxTest = 300)]
    public Property The_indexer_finds_every_registered_name_and_nothing_else() =>
        Prop.ForAll(
            Arb.From(HealthGenerators.Finished.Zip(HealthGenerators.Name)),
            c =>
            {
                var (finished, probe) = c;
                var status = HealthAggregation.Aggregate(finished, TimeSpan.Zero);
                var everyNameFound = status.Checks.ForAll(r => status[r.Name] == r.Result);
                var probeFound = status[probe] is not null;
                return (everyNameFound && probeFound == finished.Exists(f => f.Name == probe)).Label($"probe \"{probe}\"");
            });

    [Property(MaxTest = 500)]
    public Property Uptime_is_the_whole_seconds_since_creation_and_zero_when_not_positive() =>
        Prop.ForAll(
            Arb.From(HealthGenerators.SinceCreated),
            since =>
            {
                var uptime = HealthAggregation.Aggregate(Seq<(string, CheckOutcome, TimeSpan)>(), since).Uptime;
                return (uptime == HealthGenerators.WholeSeconds(since)).Label($"{since.Ticks} ticks gave {uptime}");
            });

    [Property(MaxTest = 300)]
    public Property Summary_names_the_check_count_when_healthy_and_every_failure_with_its_message_otherwise() =>
        Prop.ForAll(
            Arb.From(HealthGenerators.Finished),
            finished =>
            {
                var status = HealthAggregation.Aggregate(finished, TimeSpan.Zero);
                var summary = HealthAggregation.Summary(status);
                string Listed(Func<CheckOutcome, bool> which) =>
                    string.Join("; ", finished.Filter(f => which(f.Outcome)).Map(f => $"{f.Name}: {HealthAggregation.ToResult(f.Outcome, f.Duration).Message}"));
                var degraded = Listed(o => o is CheckOutcome.Degraded);
                var expected = finished.Exists(f => Fails(f.Outcome))
                    ? "unhealthy: " + Listed(Fails) + (degraded.Length > 0 ? "; degraded: " + degraded : "")
                    : finished.Exists(f => f.Outcome is CheckOutcome.Degraded)
                        ? "degraded: " + degraded
                        : $"healthy ({finished.Count} {(finished.Count == 1 ? "check" : "checks")})";
                return (summary == expected).Label(summary);
            });

    [Fact]
    public void Generated_checks_cover_empty_healthy_unhealthy_and_every_outcome()
    {
        // Guards the properties above against a generator drift that would leave a case untested.
        var samples = Gen.Sample(HealthGenerators.Finished, 2000); // 500 missed the degraded-only case about once in ten runs

        Assert.Contains(samples, s => s.IsEmpty);
        Assert.Contains(samples, s => !s.IsEmpty && s.ForAll(f => f.Outcome is CheckOutcome.Passed));
        Assert.Contains(samples, s => s.Exists(f => f.Outcome is CheckOutcome.Failed));
        Assert.Contains(samples, s => s.Exists(f => f.Outcome is CheckOutcome.Degraded) && !s.Exists(f => Fails(f.Outcome)));
        Assert.Contains(samples, s => s.Exists(f => f.Outcome is CheckOutcome.Passed { Message: not null }));
        Assert.Contains(samples, s => s.Exists(f => f.Outcome is CheckOutcome.Threw));
        Assert.Contains(samples, s => s.Exists(f => f.Outcome is CheckOutcome.TimedOut t && t.After.Ticks % TimeSpan.TicksPerSecond == 0));
        Assert.Contains(samples, s => s.Exists(f => f.Outcome is CheckOutcome.TimedOut t && t.After.Ticks % TimeSpan.TicksPerSecond != 0));
        Assert.Contains(samples, s => s.Count >= 5);
    }

    // ValidateRegistration

    private static readonly Seq<string> Existing = Seq("database", "cache");

    [Fact]
    public void A_new_name_with_a_positive_timeout_is_accepted()
    {
        Assert.Equal(Right<HealthCheckError, Unit>(unit), HealthAggregation.ValidateRegistration(Existing, "disk", TimeSpan.FromSeconds(1)));
        Assert.Equal(Right<HealthCheckError, Unit>(unit), HealthAggregation.ValidateRegistration(Seq<string>(), "disk", TimeSpan.FromTicks(1)));
        Assert.Equal(Right<HealthCheckError, Unit>(unit), HealthAggregation.ValidateRegistration(Existing, "disk", HealthAggregation.DefaultCheckTimeout));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\t\r\n")]
    [InlineData("\u00a0")]
    public void A_missing_or_blank_name_is_rejected(string? name)
    {
        var error = LeftOf(HealthAggregation.ValidateRegistration(Existing, name, TimeSpan.FromSeconds(1)));

        Assert.Contains("name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicate_name_is_rejected_quoting_the_name()
    {
        var error = LeftOf(HealthAggregation.ValidateRegistration(Existing, "cache", TimeSpan.FromSeconds(1)));

        Assert.Contains("\"cache\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("already registered", error.Message, StringComparison.Ordinal);
        Assert.Equal(error.Message, error.ToString());
    }

    [Fact]
    public void Names_are_compared_exactly_so_a_different_case_is_not_a_duplicate()
    {
        Assert.True(HealthAggregation.ValidateRegistration(Existing, "Cache", TimeSpan.FromSeconds(1)).IsRight);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(-50_000_000L)]
    [InlineData(long.MinValue)]
    public void A_timeout_that_is_not_positive_is_rejected(long ticks)
    {
        var error = LeftOf(HealthAggregation.ValidateRegistration(Existing, "disk", TimeSpan.FromTicks(ticks)));

        Assert.Contains("positive", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"disk\"", error.Message, StringComparison.Ordinal);
    }

    private enum Problem
    {
        BlankName,
        Duplicate,
        Timeout,
    }

    private static Gen<(Seq<string> Existing, string? Name, TimeSpan Timeout)> Registration =>
        from existing in Gen.ListOf(Gen.Elements("database", "cache", "disk", "a b", "漢")).Select(l => toSeq(l.Distinct().ToList()))
        from name in Gen.Frequency(
            (1, Gen.Elements<string?>(null, "", " ", "\t", "\n ", "\u00a0")),
            (3, Gen.Elements<string?>("database", "cache", "disk", "a b", "漢", "Database", " cache", "queue")))
        from timeout in Gen.Frequency(
            (1, Gen.Elements(TimeSpan.MinValue, TimeSpan.FromTicks(-1), TimeSpan.Zero, TimeSpan.FromTicks(1), TimeSpan.MaxValue)),
            (3, Gen.Choose(-10_000, 10_000).Select(ms => TimeSpan.FromMilliseconds(ms))))
        select (existing, name, timeout);

    private static System.Collections.Generic.HashSet<Problem> ProblemsOf((Seq<string> Existing, string? Name, TimeSpan Timeout) c)
    {
        var problems = new System.Collections.Generic.HashSet<Problem>();
        if (c.Name is null || c.Name.Trim().Length == 0)
            problems.Add(Problem.BlankName);
        else if (c.Existing.Exists(n => n == c.Name))
            problems.Add(Problem.Duplicate);
        if (c.Timeout <= TimeSpan.Zero)
            problems.Add(Problem.Timeout);
        return problems;
    }

    [Property(MaxTest = 500)]
    public Property Registration_is_accepted_exactly_when_the_name_is_non_blank_and_new_and_the_timeout_positive() =>
        Prop.ForAll(
            Arb.From(Registration),
            c =>
            {
                var problems = ProblemsOf(c);
                var result = HealthAggregation.ValidateRegistration(c.Existing, c.Name, c.Timeout);
                return result.Match(
                        Right: _ => problems.Count == 0,
                        Left: e => problems.Count > 0 && problems.Any(p => Mentions(e, p, c.Name)))
                    .Label($"\"{c.Name}\" in [{string.Join(", ", c.Existing)}] with {c.Timeout}: {result}");
            });

    [Fact]
    public void Generated_registrations_cover_acceptance_and_every_problem()
    {
        var seen = Gen.Sample(Registration, 1000).SelectMany(ProblemsOf).ToHashSet();
        var accepted = Gen.Sample(Registration, 1000).Count(c => ProblemsOf(c).Count == 0);

        Assert.Equal(Enum.GetValues<Problem>().ToHashSet(), seen);
        Assert.True(accepted > 0);
    }

    /// <summary>Whether <paramref name="error"/> is recognisably about <paramref name="problem"/>.</summary>
    private static bool Mentions(HealthCheckError error, Problem problem, string? name) => problem switch
    {
        Problem.BlankName => error.Message.Contains("name", StringComparison.Ordinal),
        Problem.Duplicate => error.Message.Contains($"\"{name}\"", StringComparison.Ordinal)
                             && error.Message.Contains("already registered", StringComparison.Ordinal),
        Problem.Timeout => error.Message.Contains("positive", StringComparison.Ordinal),
        _ => throw new ArgumentOutOfRangeException(nameof(problem), problem, "unknown problem"),
    };

    private static HealthCheckError LeftOf(Either<HealthCheckError, Unit> result) =>
        result.Match(Right: _ => throw new InvalidOperationException("expected a rejection, got Right"), Left: e => e);
}
