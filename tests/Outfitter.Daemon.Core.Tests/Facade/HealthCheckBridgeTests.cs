using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using Outfitter.Daemon.Hosting;
using Outfitter.Daemon.Testing;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>The bridge from <c>services.AddHealthChecks()</c> registrations into the daemon's checker.</summary>
public sealed class HealthCheckBridgeTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new();

    private sealed class DegradedCache : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(HealthCheckResult.Degraded(
                "serving from the replica",
                new TimeoutException("primary did not answer"),
                new Dictionary<string, object> { ["replica"] = "r2", ["lagMs"] = 340 }));
    }

    private sealed class Throwing : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("disk not mounted");
    }

    private sealed class ReportsItsFailureStatus : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(new HealthCheckResult(context.Registration.FailureStatus, $"{context.Registration.Name} failed"));
    }

    /// <summary>A scoped dependency: counts instances and disposals, to prove one scope per run.</summary>
    private sealed class Connection : IDisposable
    {
        public static int Created;
        public static int Disposed;

        public Connection() => Interlocked.Increment(ref Created);

        public void Dispose() => Interlocked.Increment(ref Disposed);
    }

    private sealed class UsesConnection(Connection connection) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(connection is null ? HealthCheckResult.Unhealthy() : HealthCheckResult.Healthy("connected"));
    }

    private ServiceProvider Services(Action<IHealthChecksBuilder> addChecks)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        addChecks(services.AddHealthChecks());
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Bridged_checks_join_the_daemons_own_with_status_message_data_exception_and_tags()
    {
        using var sp = Services(h => h.AddCheck<DegradedCache>("cache", tags: ["ready", "cache"]).AddCheck("always", () => HealthCheckResult.Healthy()));

        var checker = HealthCheckBridge.CreateChecker(sp, [new HealthCheck("own", _ => Task.FromResult(CheckVerdict.Healthy))]);
        var status = await checker.CheckAsync();

        Assert.Equal(new[] { "own", "cache", "always" }, checker.Names);
        Assert.Equal(CheckStatus.Degraded, status.Status);
        Assert.True(status.Healthy);
        var cache = status["cache"]!;
        Assert.Equal(CheckStatus.Degraded, cache.Status);
        Assert.Equal("serving from the replica", cache.Message);
        Assert.Equal("primary did not answer", cache.ExceptionMessage);
        Assert.Equal("r2", cache.Data["replica"]);
        Assert.Equal(340, cache.Data["lagMs"]);
        Assert.Equal(new HashSet<string> { "ready", "cache" }, cache.Tags.ToHashSet());
        Assert.Equal(CheckStatus.Healthy, status["always"]!.Status);
    }

    [Fact]
    public async Task A_throwing_check_is_unhealthy_with_its_message_unless_registered_with_a_degraded_failure_status()
    {
        using var sp = Services(h => h
            .AddCheck<Throwing>("disk")
            .AddCheck<Throwing>("spare-disk", failureStatus: HealthStatus.Degraded)
            .AddCheck<ReportsItsFailureStatus>("optional", failureStatus: HealthStatus.Degraded));

        var status = await HealthCheckBridge.CreateChecker(sp, []).CheckAsync();

        Assert.Equal(CheckStatus.Unhealthy, status["disk"]!.Status);
        Assert.Equal("disk not mounted", status["disk"]!.Message);
        Assert.Equal("disk not mounted", status["disk"]!.ExceptionMessage);
        Assert.Equal(CheckStatus.Degraded, status["spare-disk"]!.Status);
        Assert.Equal(CheckStatus.Degraded, status["optional"]!.Status);
        Assert.Equal("optional failed", status["optional"]!.Message);
        Assert.Equal(CheckStatus.Unhealthy, status.Status);
    }

    [Fact]
    public async Task A_registrations_timeout_bounds_its_check_and_one_without_gets_the_five_second_default()
    {
        var started = new CountdownEvent(2);
        Task<HealthCheckResult> Hang(CancellationToken _)
        {
            started.Signal();
            return new TaskCompletionSource<HealthCheckResult>().Task; // ignores cancellation, never completes
        }

        using var sp = Services(h => h
            .AddAsyncCheck("bounded", Hang, timeout: TimeSpan.FromMilliseconds(200))
            .AddAsyncCheck("unbounded", Hang));
        var checking = HealthCheckBridge.CreateChecker(sp, []).CheckAsync();
        Assert.True(started.Wait(Deadline));

        _time.Advance(TimeSpan.FromMilliseconds(200));
        _time.Advance(TimeSpan.FromMilliseconds(4800));
        var status = await checking.WaitAsync(Deadline);

        Assert.Equal("timed out after 200 ms", status["bounded"]!.Message);
        Assert.Equal("timed out after 5 s", status["unbounded"]!.Message);
        Assert.Equal(CheckStatus.Unhealthy, status.Status);
    }

    [Fact]
    public async Task Each_run_creates_the_check_in_a_fresh_scope_and_disposes_it()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddScoped<Connection>();
        services.AddHealthChecks().AddCheck<UsesConnection>("db");
        using var sp = services.BuildServiceProvider();
        var checker = HealthCheckBridge.CreateChecker(sp, []);
        var (created, disposed) = (Volatile.Read(ref Connection.Created), Volatile.Read(ref Connection.Disposed));

        var first = await checker.CheckAsync();
        var second = await checker.CheckAsync();

        Assert.Equal("connected", first["db"]!.Message);
        Assert.Equal(CheckStatus.Healthy, second["db"]!.Status);
        Assert.Equal(created + 2, Volatile.Read(ref Connection.Created));
        Assert.Equal(disposed + 2, Volatile.Read(ref Connection.Disposed));
    }

    [Fact]
    public async Task A_factory_that_returns_null_is_unhealthy_with_a_clear_message()
    {
        using var sp = Services(h => h.Add(new HealthCheckRegistration("broken", _ => null!, null, null)));

        var status = await HealthCheckBridge.CreateChecker(sp, []).CheckAsync();

        Assert.Equal(CheckStatus.Unhealthy, status["broken"]!.Status);
        Assert.Contains("factory of health check \"broken\" returned null", status["broken"]!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_name_used_by_both_kinds_of_check_is_a_clear_error()
    {
        using var sp = Services(h => h.AddCheck("database", () => HealthCheckResult.Healthy()));

        var error = Assert.Throws<InvalidOperationException>(() =>
            HealthCheckBridge.CreateChecker(sp, [new HealthCheck("database", _ => Task.FromResult(true))]));

        Assert.Contains("AddHealthChecks()", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"database\" is already registered", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_AddHealthChecks_only_the_daemons_own_checks_run()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        using var sp = services.BuildServiceProvider();

        var checker = HealthCheckBridge.CreateChecker(sp, [new HealthCheck("own", _ => Task.FromResult(true))]);

        Assert.Equal(new[] { "own" }, checker.Names);
        Assert.True((await checker.CheckAsync()).Healthy);
    }

    [Theory]
    [InlineData(HealthStatus.Healthy, CheckStatus.Healthy)]
    [InlineData(HealthStatus.Degraded, CheckStatus.Degraded)]
    [InlineData(HealthStatus.Unhealthy, CheckStatus.Unhealthy)]
    [InlineData((HealthStatus)42, CheckStatus.Unhealthy)]
    public void Microsofts_statuses_map_one_to_one_and_an_unknown_one_is_unhealthy(HealthStatus status, CheckStatus expected)
    {
        Assert.Equal(expected, HealthCheckBridge.ToStatus(status));
    }

    [Fact]
    public async Task AddOutfitterDaemon_bridges_the_registrations_into_the_hosts_checker()
    {
        var machine = new FakeMachine();
        var services = new ServiceCollection();
        machine.AddTo(services);
        services.AddHealthChecks().AddCheck<DegradedCache>("cache");
        services.AddOutfitterDaemon(o => o.Name = "svc").AddHealthCheck("own", _ => Task.FromResult(true));
        await using var sp = services.BuildServiceProvider();

        var host = sp.GetRequiredService<DaemonHost>();

        Assert.Same(sp.GetRequiredService<IHealthChecker>(), host.Health);
        Assert.Equal(new[] { "own", "cache" }, host.Health.Names);
        Assert.Equal(CheckStatus.Degraded, (await host.Health.CheckAsync())["cache"]!.Status);
    }
}
