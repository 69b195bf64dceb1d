using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>Our own checks reporting Degraded, data, exception messages and tags, and their failure status.</summary>
public sealed class HealthCheckerStatusTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task A_degraded_verdict_makes_the_status_degraded_and_still_healthy()
    {
        var checker = HealthChecker.Create(
        [
            new HealthCheck("database", _ => Task.FromResult(CheckVerdict.Healthy)),
            new HealthCheck("cache", _ => Task.FromResult(CheckVerdict.Degraded("using the fallback"))),
        ], _time);

        var status = await checker.CheckAsync();

        Assert.Equal(CheckStatus.Degraded, status.Status);
        Assert.True(status.Healthy);
        Assert.Equal(CheckStatus.Degraded, status["cache"]!.Status);
        Assert.Equal("using the fallback", status["cache"]!.Message);
        Assert.Equal(CheckStatus.Healthy, status["database"]!.Status);
    }

    [Fact]
    public async Task A_created_verdict_carries_its_data_and_exception_message_and_the_check_its_tags()
    {
        var checker = HealthChecker.Create(
        [
            new HealthCheck("queue", _ => Task.FromResult(CheckVerdict.Create(
                CheckStatus.Unhealthy, "stalled", [new("depth", 1200), new("oldest", "5 min")], "Broker unreachable")))
            {
                Tags = ["ready", "queue"],
            },
        ], _time);

        var result = (await checker.CheckAsync())["queue"]!;

        Assert.Equal(CheckStatus.Unhealthy, result.Status);
        Assert.Equal("stalled", result.Message);
        Assert.Equal(1200, result.Data["depth"]);
        Assert.Equal("5 min", result.Data["oldest"]);
        Assert.Equal("Broker unreachable", result.ExceptionMessage);
        Assert.Equal(new[] { "ready", "queue" }, result.Tags);
    }

    [Fact]
    public async Task A_throwing_check_is_unhealthy_by_default_and_degraded_when_its_failure_status_says_so()
    {
        var checker = HealthChecker.Create(
        [
            new HealthCheck("critical", Task<CheckVerdict> (_) => throw new InvalidOperationException("down")),
            new HealthCheck("optional", Task<CheckVerdict> (_) => throw new InvalidOperationException("gone")) { FailureStatus = CheckStatus.Degraded },
        ], _time);

        var status = await checker.CheckAsync();

        Assert.Equal(CheckStatus.Unhealthy, status["critical"]!.Status);
        Assert.Equal("down", status["critical"]!.ExceptionMessage);
        Assert.Equal(CheckStatus.Degraded, status["optional"]!.Status);
        Assert.Equal("gone", status["optional"]!.Message);
        Assert.Equal("gone", status["optional"]!.ExceptionMessage);
    }

    [Fact]
    public async Task A_timed_out_check_with_a_degraded_failure_status_is_degraded()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var checker = HealthChecker.Create(
        [
            new HealthCheck("optional", _ => { started.TrySetResult(); return new TaskCompletionSource<CheckVerdict>().Task; }, TimeSpan.FromSeconds(1))
            {
                FailureStatus = CheckStatus.Degraded,
            },
        ], _time);

        var checking = checker.CheckAsync();
        await started.Task.WaitAsync(Deadline);
        _time.Advance(TimeSpan.FromSeconds(1));
        var status = await checking.WaitAsync(Deadline);

        Assert.Equal(CheckStatus.Degraded, status.Status);
        Assert.Equal("timed out after 1 s", status["optional"]!.Message);
    }

    [Fact]
    public void Verdicts_validate_their_input_and_default_is_never_healthy()
    {
        Assert.Throws<ArgumentException>(() => CheckVerdict.Degraded(" "));
        Assert.Throws<ArgumentOutOfRangeException>(() => CheckVerdict.Create((CheckStatus)5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HealthCheck("x", _ => Task.FromResult(true)) { FailureStatus = CheckStatus.Healthy });
        Assert.Throws<ArgumentNullException>(() => new HealthCheck("x", _ => Task.FromResult(true)) { Tags = null! });

        Assert.Equal(CheckStatus.Unhealthy, default(CheckVerdict).Status);
        Assert.False(default(CheckVerdict).IsHealthy);
        Assert.True(CheckVerdict.Degraded("slow").IsHealthy);
        Assert.Equal("Degraded: slow", CheckVerdict.Degraded("slow").ToString());
        Assert.Equal("the check reported unhealthy", CheckVerdict.Create(CheckStatus.Unhealthy).Reason);
        Assert.Equal("boom", CheckVerdict.Create(CheckStatus.Degraded, exceptionMessage: "boom").Reason);
        Assert.Null(CheckVerdict.Create(CheckStatus.Healthy).Reason);
        Assert.Equal("all good", CheckVerdict.Create(CheckStatus.Healthy, "all good").Reason);
        Assert.Equal(CheckVerdict.Create(CheckStatus.Degraded, "m", [new("k", 1)]), CheckVerdict.Create(CheckStatus.Degraded, "m", [new("k", 1)]));
        Assert.NotEqual(CheckVerdict.Create(CheckStatus.Degraded, "m", [new("k", 1)]), CheckVerdict.Degraded("m"));
    }
}
