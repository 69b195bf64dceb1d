using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Outfitter.Daemon.Core.Lifecycle;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Lifecycle;

public sealed class SignalPolicyTests
{
    private static Either<DaemonError, Unit> Stopped => Right<DaemonError, Unit>(unit);

    private static Either<DaemonError, Unit> Failed(DaemonErrorCode code, string message = "m") =>
        Left<DaemonError, Unit>(new DaemonError(code, message));

    // Decide

    [Theory]
    [InlineData(DaemonState.Running, false, SignalDecision.StopGracefully)]
    [InlineData(DaemonState.Running, true, SignalDecision.StopGracefully)]
    [InlineData(DaemonState.Stopping, true, SignalDecision.ForceExit)]
    [InlineData(DaemonState.Stopping, false, SignalDecision.StopGracefully)]
    [InlineData(DaemonState.Starting, false, SignalDecision.Ignore)]
    [InlineData(DaemonState.Starting, true, SignalDecision.Ignore)]
    [InlineData(DaemonState.Stopped, false, SignalDecision.Ignore)]
    [InlineData(DaemonState.Stopped, true, SignalDecision.Ignore)]
    public void A_signal_stops_a_running_daemon_forces_exit_only_when_a_signal_already_asked_and_is_ignored_otherwise(
        DaemonState state, bool signalledBefore, SignalDecision decision)
    {
        Assert.Equal(decision, SignalPolicy.Decide(state, signalledBefore));
    }

    [Fact]
    public void Every_state_has_a_decision()
    {
        // A state added later without a decision would throw here rather than in a signal handler.
        Assert.All(Enum.GetValues<DaemonState>(), state =>
        {
            Assert.True(Enum.IsDefined(SignalPolicy.Decide(state, signalledBefore: false)));
            Assert.True(Enum.IsDefined(SignalPolicy.Decide(state, signalledBefore: true)));
        });
    }

    [Fact]
    public void An_undefined_state_is_a_programmer_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SignalPolicy.Decide((DaemonState)99, signalledBefore: true));
    }

    // ExitCodeAfterStop

    [Fact]
    public void A_stop_that_completed_in_time_exits_with_zero()
    {
        Assert.Equal(0, SignalPolicy.ExitCodeAfterStop(Stopped));
        Assert.Equal(0, SignalPolicy.CleanExitCode);
    }

    [Theory]
    [InlineData(DaemonErrorCode.ShutdownTimeout, 124)]
    [InlineData(DaemonErrorCode.PidError, 1)]
    [InlineData(DaemonErrorCode.NotRunning, 1)]
    [InlineData(DaemonErrorCode.AlreadyRunning, 1)]
    [InlineData(DaemonErrorCode.StartFailed, 1)]
    public void A_stop_that_timed_out_exits_with_124_and_any_other_failure_with_1(DaemonErrorCode code, int exitCode)
    {
        Assert.Equal(exitCode, SignalPolicy.ExitCodeAfterStop(Failed(code)));
    }

    [Fact]
    public void The_documented_exit_code_constants_have_their_conventional_values()
    {
        Assert.Equal(124, SignalPolicy.ShutdownTimeoutExitCode);
        Assert.Equal(1, SignalPolicy.StopFailedExitCode);
    }

    [Property]
    public Property The_exit_code_after_a_failed_stop_depends_on_the_code_only() =>
        Prop.ForAll(
            Arb.From(Gen.Elements(Enum.GetValues<DaemonErrorCode>()).Zip(ArbMap.Default.GeneratorFor<string>().Where(s => s is not null))),
            c =>
            {
                var (code, message) = c;
                var expected = code == DaemonErrorCode.ShutdownTimeout ? 124 : 1;
                return SignalPolicy.ExitCodeAfterStop(Failed(code, message)) == expected;
            });

    [Property]
    public Property The_exit_code_of_an_evaluated_shutdown_is_124_on_timeout_1_on_a_pid_error_and_0_otherwise() =>
        Prop.ForAll(
            Arb.From(
                from outcomes in Gen.ListOf(
                    Gen.Elements<HandlerOutcome>(
                        new HandlerOutcome.Completed(),
                        new HandlerOutcome.Failed("boom"),
                        new HandlerOutcome.Abandoned(),
                        new HandlerOutcome.Skipped()))
                from pidError in Generators.OptionOf(Gen.Constant("EACCES"))
                select (outcomes, pidError)),
            c =>
            {
                var (outcomes, pidError) = c;
                var result = ShutdownOutcome.Evaluate("svc", ShutdownPlan.Create(outcomes.Count, TimeSpan.FromSeconds(5)), toSeq(outcomes), pidError);
                var expected = outcomes.Any(o => o is HandlerOutcome.Abandoned or HandlerOutcome.Skipped) ? 124
                    : pidError.IsSome ? 1
                    : 0;
                return SignalPolicy.ExitCodeAfterStop(result) == expected
                    && SignalPolicy.ExitCodeAfterStop(result.MatchUnsafe(Right: _ => null, Left: e => e)) == expected;
            });

    [Fact]
    public void The_exit_code_after_a_stop_without_an_error_is_0()
    {
        Assert.Equal(0, SignalPolicy.ExitCodeAfterStop((DaemonError?)null));
    }

    // ForcedExitCode and signal numbers

    [Theory]
    [InlineData(StopSignal.Interrupt, 130)]
    [InlineData(StopSignal.Quit, 131)]
    [InlineData(StopSignal.Terminate, 143)]
    public void A_forced_exit_reports_128_plus_the_signal_number_as_the_shell_does(StopSignal signal, int exitCode)
    {
        Assert.Equal(exitCode, SignalPolicy.ForcedExitCode(signal));
    }

    [Theory]
    [InlineData(StopSignal.Interrupt, 2)]
    [InlineData(StopSignal.Quit, 3)]
    [InlineData(StopSignal.Terminate, 15)]
    public void Stop_signals_carry_their_posix_numbers(StopSignal signal, int number)
    {
        Assert.Equal(number, (int)signal);
    }

    [Fact]
    public void Sigint_sigquit_and_sigterm_are_the_only_stop_signals()
    {
        Assert.Equal([2, 3, 15], Enum.GetValues<StopSignal>().Select(s => (int)s).Order());
    }

    [Fact]
    public void Forced_exit_codes_cannot_be_mistaken_for_the_graceful_ones()
    {
        var graceful = new[] { SignalPolicy.CleanExitCode, SignalPolicy.ShutdownTimeoutExitCode, SignalPolicy.StopFailedExitCode };

        Assert.All(Enum.GetValues<StopSignal>(), s => Assert.DoesNotContain(SignalPolicy.ForcedExitCode(s), graceful));
    }

    // ExitCode

    [Fact]
    public void A_stop_only_the_api_asked_for_leaves_the_process_alone()
    {
        Assert.True(SignalPolicy.ExitCode(new RunEnd.Stopped(null, null)).IsNone);
        Assert.True(SignalPolicy.ExitCode(new RunEnd.Stopped(new DaemonError(DaemonErrorCode.ShutdownTimeout, "m"), null)).IsNone);
    }

    [Theory]
    [InlineData(StopSignal.Terminate)]
    [InlineData(StopSignal.Interrupt)]
    [InlineData(StopSignal.Quit)]
    public void A_signal_requested_stop_exits_with_the_code_of_its_result(StopSignal signal)
    {
        Assert.Equal(Some(0), SignalPolicy.ExitCode(new RunEnd.Stopped(null, signal)));
        Assert.Equal(Some(124), SignalPolicy.ExitCode(new RunEnd.Stopped(new DaemonError(DaemonErrorCode.ShutdownTimeout, "m"), signal)));
        Assert.Equal(Some(1), SignalPolicy.ExitCode(new RunEnd.Stopped(new DaemonError(DaemonErrorCode.PidError, "m"), signal)));
    }

    [Property]
    public bool A_forced_end_exits_with_128_plus_the_signal_number(StopSignal signal) =>
        !Enum.IsDefined(signal) || SignalPolicy.ExitCode(new RunEnd.Forced(signal)) == Some(128 + (int)signal);
}
