using LanguageExt;
using LanguageExt.Common;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>The health checker shell: parallel runs, per-check timeouts on fake time, throwing checks, registration.</summary>
public sealed class HealthCheckerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new();

    private static HealthCheck Passing(string name) => new(name, _ => Task.FromResult(CheckVerdict.Healthy));

    private static HealthCheck Failing(string name, string message) => new(name, _ => Task.FromResult(CheckVerdict.Unhealthy(message)));

    [Fact]
    public async Task No_checks_is_healthy_and_uptime_counts_whole_seconds_since_creation()
    {
        var checker = new HealthChecker(_time);
        _time.Advance(TimeSpan.FromSeconds(2.9));

        var status = await checker.CheckAsync();

        Assert.True(status.Healthy);
        Assert.True(status.Checks.Count == 0);
        Assert.Equal(2, status.Uptime);
    }

    [Fact]
    public async Task Healthy_only_if_every_check_is_and_a_failed_check_carries_its_message()
    {
        var checker = HealthChecker.Create([Passing("database"), Failing("cache", "Connection refused"), Passing("queue")], _time);

        var status = await checker.CheckAsync();

        Assert.False(status.Healthy);
        Assert.Equal(new[] { "database", "cache", "queue" }, status.Checks.Select(c => c.Name).ToArray());
        Assert.Equal("Connection refused", status["cache"]?.Message);
        Assert.True(status["database"]?.Healthy ?? false);
        Assert.True(status["database"]?.Message is null);
    }

    [Fact]
    public async Task A_throwing_check_is_unhealthy_with_the_exception_message_and_the_others_are_unaffected()
    {
        var checker = HealthChecker.Create(
        [
            new HealthCheck("sync-throw", Task<CheckVerdict> (_) => throw new InvalidOperationException("sync boom")),
            new HealthCheck("async-throw", async Task<bool> (_) => { await Task.Yield(); throw new InvalidOperationException("async boom"); }),
            Passing("fine"),
        ], _time);

        var status = await checker.CheckAsync();

        Assert.Equal("sync boom", status["sync-throw"]?.Message);
        Assert.Equal("async boom", status["async-throw"]?.Message);
        Assert.True(status["fine"]?.Healthy ?? false);
    }

    [Fact]
    public async Task A_hung_check_is_reported_as_timed_out_after_its_own_timeout_without_hanging_the_call()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var checker = new HealthChecker(_time);
        checker.Register(new HealthCheck("hung", ct =>
        {
            ct.Register(() => cancelled.TrySetResult());
            started.TrySetResult();
            return new TaskCompletionSource<CheckVerdict>().Task; // never completes
        }, TimeSpan.FromMilliseconds(250)));
        checker.Register(Passing("quick"));

        var checking = checker.CheckAsync();
        await started.Task.WaitAsync(Deadline);
        Assert.False(checking.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(250));
        var status = await checking.WaitAsync(Deadline);

        Assert.False(status.Healthy);
        Assert.Equal("timed out after 250 ms", status["hung"]?.Message);
        Assert.Equal(TimeSpan.FromMilliseconds(250), status["hung"]?.Duration);
        Assert.True(status["quick"]?.Healthy ?? false);
        await cancelled.Task.WaitAsync(Deadline);
    }

    [Fact]
    public async Task The_default_timeout_is_five_seconds()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var checker = new HealthChecker(_time);
        checker.Register(new HealthCheck("hung", _ => { started.TrySetResult(); return new TaskCompletionSource<CheckVerdict>().Task; }));

        var checking = checker.CheckAsync();
        await started.Task.WaitAsync(Deadline);
        _time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(checking.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(0.1));

        Assert.Equal("timed out after 5 s", (await checking.WaitAsync(Deadline))["hung"]?.Message);
    }

    [Fact]
    public async Task All_checks_run_in_parallel()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = 0;
        var checks = Enumerable.Range(0, 100).Select(i => new HealthCheck($"c{i}", async _ =>
        {
            Interlocked.Increment(ref entered);
            await gate.Task; // only released once all 100 are running at the same time
            return CheckVerdict.Healthy;
        }));
        var checker = HealthChecker.Create(checks, TimeProvider.System);

        var checking = checker.CheckAsync();
        using var deadline = new CancellationTokenSource(Deadline);
        while (Volatile.Read(ref entered) < 100)
            await Task.Delay(5, deadline.Token);
        gate.SetResult();

        Assert.True((await checking.WaitAsync(Deadline)).Healthy);
    }

    [Fact]
    public async Task Registering_while_a_check_runs_is_safe_and_the_new_check_joins_from_the_next_call()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var checker = new HealthChecker(_time);
        checker.Register(new HealthCheck("slow", async _ => { await release.Task; return CheckVerdict.Healthy; }));

        var first = checker.CheckAsync();
        Assert.True(checker.Register(Failing("late", "not ready")).IsSuccess);
        release.SetResult();

        Assert.Equal(new[] { "slow" }, (await first.WaitAsync(Deadline)).Checks.Select(c => c.Name).ToArray());
        var second = await checker.CheckAsync().WaitAsync(Deadline);
        Assert.Equal(new[] { "slow", "late" }, second.Checks.Select(c => c.Name).ToArray());
        Assert.False(second.Healthy);
    }

    [Fact]
    public void A_duplicate_or_empty_name_is_rejected_with_a_clear_error()
    {
        var checker = HealthChecker.Create([Passing("database")], _time);

        var duplicate = checker.Register(Passing("database"));
        var empty = checker.Register(Passing(" "));

        Assert.Contains("\"database\" is already registered", duplicate.Match(_ => "", e => e.Message), StringComparison.Ordinal);
        Assert.True(empty.IsFailure);
        Assert.Equal(["database"], checker.Names);
        Assert.Throws<ArgumentException>(() => HealthChecker.Create([Passing("x"), Passing("x")], _time));
    }

    [Fact]
    public async Task Each_result_carries_its_duration_from_the_clock()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var checker = HealthChecker.Create([new HealthCheck("timed", async _ => { started.TrySetResult(); await release.Task; return CheckVerdict.Healthy; })], _time);

        var checking = checker.CheckAsync();
        await started.Task.WaitAsync(Deadline);
        _time.Advance(TimeSpan.FromMilliseconds(40));
        release.SetResult();

        Assert.Equal(TimeSpan.FromMilliseconds(40), (await checking.WaitAsync(Deadline))["timed"]?.Duration);
    }

    [Fact]
    public async Task A_check_is_written_as_a_predicate_or_a_verdict_and_a_default_verdict_is_never_healthy()
    {
        var checker = HealthChecker.Create(
        [
            new HealthCheck("up", _ => Task.FromResult(true)),
            new HealthCheck("down", _ => Task.FromResult(false)),
            new HealthCheck("down-why", _ => Task.FromResult(false), "disk full"),
            new HealthCheck("verdict", _ => Task.FromResult(CheckVerdict.Unhealthy("queue stalled"))),
            new HealthCheck("forgot", _ => Task.FromResult(default(CheckVerdict))),
            Outfitter.Daemon.Functional.HealthChecks.FromEither("either", _ => Task.FromResult(Left<Error, Unit>(Error.New("left")))),
        ], _time);

        var status = await checker.CheckAsync();

        Assert.True(status["up"]?.Healthy ?? false);
        Assert.Equal("down is unhealthy", status["down"]?.Message);
        Assert.Equal("disk full", status["down-why"]?.Message);
        Assert.Equal("queue stalled", status["verdict"]?.Message);
        Assert.Equal("the check returned no verdict", status["forgot"]?.Message);
        Assert.Equal("left", status["either"]?.Message);
        Assert.False(status.Healthy);
        Assert.Throws<ArgumentException>(() => CheckVerdict.Unhealthy(" "));
    }
}
