using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Outfitter.Daemon.Core.Lifecycle;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Lifecycle;

public sealed class ShutdownTests
{
    private const string Name = "svc";

    private static readonly TimeSpan FiveSeconds = TimeSpan.FromSeconds(5);

    private static readonly HandlerOutcome Completed = new HandlerOutcome.Completed();

    private static readonly HandlerOutcome Abandoned = new HandlerOutcome.Abandoned();

    private static readonly HandlerOutcome Skipped = new HandlerOutcome.Skipped();

    private static HandlerOutcome Failed(string message) => new HandlerOutcome.Failed(message);

    private static Either<DaemonError, Unit> Evaluate(int handlers, Seq<HandlerOutcome> outcomes, Option<string> pidFileError = default) =>
        ShutdownOutcome.Evaluate(Name, ShutdownPlan.Create(handlers, FiveSeconds), outcomes, pidFileError);

    // ShutdownPlan.Create

    [Fact]
    public void A_plan_runs_the_handlers_in_registration_order_within_the_budget()
    {
        var plan = ShutdownPlan.Create(3, FiveSeconds);

        Assert.Equal(Seq(0, 1, 2), plan.Order);
        Assert.Equal(FiveSeconds, plan.Budget);
    }

    [Fact]
    public void A_plan_for_no_handlers_is_empty()
    {
        Assert.True(ShutdownPlan.Create(0, FiveSeconds).Order.IsEmpty);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void A_negative_handler_count_is_a_programmer_error(int count)
    {
        var thrown = Assert.Throws<ArgumentOutOfRangeException>(() => ShutdownPlan.Create(count, FiveSeconds));
        Assert.Equal("handlerCount", thrown.ParamName);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    public void A_budget_that_is_not_positive_is_a_programmer_error(long ticks)
    {
        var thrown = Assert.Throws<ArgumentOutOfRangeException>(() => ShutdownPlan.Create(1, TimeSpan.FromTicks(ticks)));
        Assert.Equal("budget", thrown.ParamName);
    }

    [Fact]
    public void The_smallest_positive_budget_is_accepted()
    {
        Assert.Equal(TimeSpan.FromTicks(1), ShutdownPlan.Create(1, TimeSpan.FromTicks(1)).Budget);
    }

    // ShutdownPlan properties

    /// <summary>Positive budgets from one tick to a day, with sub-millisecond parts.</summary>
    private static Gen<TimeSpan> Budget =>
        Gen.Frequency(
            (1, Gen.Elements(TimeSpan.FromTicks(1), TimeSpan.FromMilliseconds(1), FiveSeconds, TimeSpan.FromDays(1))),
            (4, from ms in Gen.Choose(0, 86_400_000)
                from ticks in Gen.Choose(1, 9_999)
                select TimeSpan.FromTicks(ms * TimeSpan.TicksPerMillisecond + ticks)));

    /// <summary>Whole-millisecond budgets, so that the message's millisecond figure is exact.</summary>
    private static Gen<TimeSpan> WholeMillisecondBudget => Gen.Choose(1, 600_000).Select(ms => TimeSpan.FromMilliseconds(ms));

    [Property]
    public Property A_plan_orders_any_number_of_handlers_by_registration_and_keeps_its_budget() =>
        Prop.ForAll(
            Arb.From(Gen.Choose(0, 50).Zip(Budget)),
            c =>
            {
                var (count, budget) = c;
                var plan = ShutdownPlan.Create(count, budget);
                return plan.Order.SequenceEqual(Enumerable.Range(0, count)) && plan.Budget == budget;
            });

    // ShutdownOutcome.Evaluate

    [Fact]
    public void An_empty_plan_with_the_pid_file_removed_succeeds()
    {
        Assert.Equal(Right<DaemonError, Unit>(unit), Evaluate(0, Seq<HandlerOutcome>()));
    }

    [Fact]
    public void Handlers_that_all_completed_succeed()
    {
        Assert.Equal(Right<DaemonError, Unit>(unit), Evaluate(2, Seq(Completed, Completed)));
    }

    [Fact]
    public void Handlers_that_threw_are_logged_but_do_not_fail_the_stop()
    {
        // As in the reference: a throwing handler does not turn a stop into an error.
        Assert.Equal(Right<DaemonError, Unit>(unit), Evaluate(3, Seq(Failed("boom"), Completed, Failed("bang"))));
    }

    [Fact]
    public void An_abandoned_handler_is_a_shutdown_timeout_naming_the_budget_and_how_many_did_not_finish()
    {
        var error = LeftOf(Evaluate(3, Seq(Completed, Abandoned, Skipped)));

        Assert.Equal(DaemonErrorCode.ShutdownTimeout, error.Code);
        Assert.Contains("\"svc\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("5000ms", error.Message, StringComparison.Ordinal);
        Assert.Contains("2 of 3 did not finish", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Skipped_handlers_alone_are_a_shutdown_timeout()
    {
        var error = LeftOf(Evaluate(2, Seq(Skipped, Skipped)));

        Assert.Equal(DaemonErrorCode.ShutdownTimeout, error.Code);
        Assert.Contains("2 of 2 did not finish", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_timeout_wins_over_a_pid_file_error()
    {
        var error = LeftOf(Evaluate(1, Seq1(Abandoned), Some("permission denied")));

        Assert.Equal(DaemonErrorCode.ShutdownTimeout, error.Code);
    }

    [Fact]
    public void A_pid_file_that_could_not_be_removed_is_a_pid_error_quoting_the_cause()
    {
        var error = LeftOf(Evaluate(2, Seq(Completed, Failed("boom")), Some("EACCES: permission denied")));

        Assert.Equal(DaemonErrorCode.PidError, error.Code);
        Assert.Contains("\"svc\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("EACCES: permission denied", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pid_file_error_after_an_empty_plan_is_still_a_pid_error()
    {
        Assert.Equal(DaemonErrorCode.PidError, LeftOf(Evaluate(0, Seq<HandlerOutcome>(), Some("gone"))).Code);
    }

    // Evaluate properties

    private static Gen<HandlerOutcome> FinishedOutcome =>
        Gen.OneOf(
            Gen.Constant(Completed),
            Gen.Elements("boom", "", "handler 3 threw InvalidOperationException").Select(Failed));

    private static Gen<HandlerOutcome> AnyOutcome =>
        Gen.Frequency(
            (3, FinishedOutcome),
            (1, Gen.Elements(Abandoned, Skipped)));

    /// <summary>
    /// What the shell produces: some finished handlers, then at most one abandoned (the budget ran out while it ran), then
    /// the skipped ones (the budget ran out before their turn).
    /// </summary>
    private static Gen<Seq<HandlerOutcome>> RealisticOutcomes =>
        from finished in Gen.ListOf(FinishedOutcome)
        from abandoned in Gen.Choose(0, 1)
        from skipped in Gen.Choose(0, 5)
        select toSeq(finished.Concat(Enumerable.Repeat(Abandoned, abandoned)).Concat(Enumerable.Repeat(Skipped, skipped)).ToList());

    private static Gen<Seq<HandlerOutcome>> Outcomes =>
        Gen.OneOf(RealisticOutcomes, Gen.ListOf(AnyOutcome).Select(l => toSeq(l)));

    private static Gen<Option<string>> PidFileError =>
        Generators.OptionOf(Gen.Elements("EACCES: permission denied", "", "disk on fire", "ENOENT"));

    [Property]
    public Property Finished_handlers_never_fail_the_stop_whatever_mix_of_completed_and_failed() =>
        Prop.ForAll(
            Arb.From(Gen.ListOf(FinishedOutcome).Select(l => toSeq(l))),
            outcomes => Evaluate(outcomes.Count, outcomes) == Right<DaemonError, Unit>(unit));

    [Property(MaxTest = 300)]
    public Property Evaluate_reports_a_timeout_if_any_handler_did_not_finish_else_a_pid_error_else_success() =>
        Prop.ForAll(
            Arb.From(
                from outcomes in Outcomes
                from budget in WholeMillisecondBudget
                from pidError in PidFileError
                select (outcomes, budget, pidError)),
            c =>
            {
                var (outcomes, budget, pidError) = c;
                var plan = ShutdownPlan.Create(outcomes.Count, budget);
                var result = ShutdownOutcome.Evaluate(Name, plan, outcomes, pidError);
                var late = outcomes.Count(o => o is HandlerOutcome.Abandoned || o is HandlerOutcome.Skipped);

                if (late > 0)
                {
                    var error = LeftOf(result);
                    return (error.Code == DaemonErrorCode.ShutdownTimeout
                            && error.Message.Contains($"\"{Name}\"", StringComparison.Ordinal)
                            && error.Message.Contains($"{(long)budget.TotalMilliseconds}ms", StringComparison.Ordinal)
                            && error.Message.Contains($"{late} of {outcomes.Count} did not finish", StringComparison.Ordinal))
                        .Label(error.ToString());
                }

                return pidError.Match(
                    Some: text => result.Match(
                            Right: _ => false,
                            Left: e => e.Code == DaemonErrorCode.PidError && e.Message.Contains(text, StringComparison.Ordinal))
                        .Label($"pid error \"{text}\" gave {result}"),
                    None: () => (result == Right<DaemonError, Unit>(unit)).Label($"gave {result}"));
            });

    [Fact]
    public void Generated_outcomes_cover_success_timeout_and_pid_error()
    {
        // Guards the property above against a generator drift that would leave a branch untested.
        var results = Gen.Sample(
            from outcomes in Outcomes
            from pidError in PidFileError
            select ShutdownOutcome.Evaluate(Name, ShutdownPlan.Create(outcomes.Count, FiveSeconds), outcomes, pidError),
            1000);

        Assert.Contains(results, r => r.IsRight);
        Assert.Contains(results, r => r.IsLeft && LeftOf(r).Code == DaemonErrorCode.ShutdownTimeout);
        Assert.Contains(results, r => r.IsLeft && LeftOf(r).Code == DaemonErrorCode.PidError);
    }

    internal static DaemonError LeftOf(Either<DaemonError, Unit> result) =>
        result.Match(Right: _ => throw new Xunit.Sdk.XunitException("Expected an error but the stop succeeded."), Left: e => e);
}
