using LanguageExt;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Outfitter.Daemon.Core.Systemd;
using Outfitter.Daemon.Hosting;
using Outfitter.Daemon.Testing;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>
/// The watchdog and <c>STATUS=</c> see checks bridged from <c>services.AddHealthChecks()</c>: unhealthy stops the
/// keep-alives, degraded keeps them unless <see cref="SystemdOptions.DegradedIsHealthy"/> is false. Fake time and systemd.
/// </summary>
public sealed class SystemdBridgedHealthTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly FakeMachine _machine = new();
    private readonly SwitchableCheck _store = new();

    /// <summary>A Microsoft health check whose status the test sets; counts its runs.</summary>
    private sealed class SwitchableCheck : IHealthCheck
    {
        private volatile int _status = (int)HealthStatus.Healthy;
        private int _runs;

        public HealthStatus Status
        {
            set => _status = (int)value;
        }

        public int Runs => Volatile.Read(ref _runs);

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _runs);
            return (HealthStatus)_status switch
            {
                HealthStatus.Healthy => Task.FromResult(HealthCheckResult.Healthy()),
                HealthStatus.Degraded => Task.FromResult(HealthCheckResult.Degraded("replica lag")),
                _ => throw new InvalidOperationException("store unreachable"),
            };
        }
    }

    private DaemonHost NewHost(bool? degradedIsHealthy = null)
    {
        _machine.Systemd.NotifySocket = "@test-notify";
        _machine.Systemd.WatchdogUsec = "2000000"; // fed every 1 s
        var services = new ServiceCollection();
        _machine.AddTo(services);
        services.AddHealthChecks().AddCheck("store", _store);
        services.AddOutfitterDaemon(o =>
        {
            o.Name = "svc";
            o.ExitOnSignal = false;
            if (degradedIsHealthy is { } value)
                o.Systemd.DegradedIsHealthy = value;
        });
        return services.BuildServiceProvider().GetRequiredService<DaemonHost>();
    }

    private int Fed() => _machine.Systemd.Messages.Count(m => m == SystemdDecisions.Watchdog);

    private async Task WaitUntil(Func<bool> condition, string what)
    {
        using var cts = new CancellationTokenSource(Deadline);
        try
        {
            while (!condition())
                await Task.Delay(5, cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Waited in vain for {what}; sent: {string.Join(" | ", _machine.Systemd.Messages).ReplaceLineEndings(" ")}");
        }
    }

    // Each tick runs the checks once, then feeds (or not); reaching run n+1 proves tick n's decision was made.
    private async Task Tick(int runsAfter)
    {
        _machine.Time.Advance(TimeSpan.FromSeconds(1));
        await WaitUntil(() => _store.Runs >= runsAfter, $"health check run #{runsAfter}");
    }

    [Fact]
    public void Degraded_counts_as_healthy_for_the_watchdog_by_default()
    {
        Assert.True(new SystemdOptions().DegradedIsHealthy);
    }

    [Fact]
    public async Task A_bridged_unhealthy_check_stops_the_keep_alives_and_status_names_its_exception()
    {
        await using var host = NewHost();
        Assert.True((await host.StartAsync()).IsSuccess);
        await WaitUntil(() => Fed() == 1, "the first keep-alive");

        _store.Status = HealthStatus.Unhealthy;
        await Tick(2);
        await WaitUntil(() => _machine.Systemd.Messages.Contains("STATUS=running; unhealthy: store: store unreachable"), "a status naming the bridged check");
        await Tick(3);
        await Tick(4);
        Assert.Equal(1, Fed());

        _store.Status = HealthStatus.Healthy;
        await Tick(5);
        await WaitUntil(() => Fed() == 2, "keep-alives resume after recovery");
        Assert.True((await host.StopAsync()).IsSuccess);
    }

    [Fact]
    public async Task A_bridged_degraded_check_keeps_the_watchdog_fed_by_default_and_status_says_degraded()
    {
        await using var host = NewHost();
        Assert.True((await host.StartAsync()).IsSuccess);
        await WaitUntil(() => Fed() == 1, "the first keep-alive");

        _store.Status = HealthStatus.Degraded;
        await Tick(2);
        await WaitUntil(() => _machine.Systemd.Messages.Contains("STATUS=running; degraded: store: replica lag"), "a degraded status");
        await WaitUntil(() => Fed() == 2, "a keep-alive while degraded");
        await Tick(3);
        await WaitUntil(() => Fed() == 3, "another keep-alive while degraded");
        Assert.True((await host.StopAsync()).IsSuccess);
    }

    [Fact]
    public async Task With_DegradedIsHealthy_false_a_degraded_check_stops_the_keep_alives()
    {
        _store.Status = HealthStatus.Degraded;
        await using var host = NewHost(degradedIsHealthy: false);
        Assert.True((await host.StartAsync()).IsSuccess);
        await WaitUntil(() => _machine.Systemd.Messages.Contains("STATUS=running; degraded: store: replica lag"), "a degraded status");

        await Tick(2);
        await Tick(3);
        Assert.Equal(0, Fed());

        _store.Status = HealthStatus.Healthy;
        await Tick(4);
        await WaitUntil(() => Fed() == 1, "keep-alives once healthy");
        await WaitUntil(() => _machine.Systemd.Messages.Contains("STATUS=running; healthy (1 check)"), "a healthy status");
        Assert.True((await host.StopAsync()).IsSuccess);
    }
}
