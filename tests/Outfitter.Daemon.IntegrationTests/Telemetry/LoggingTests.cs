using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Systemd;
using Outfitter.Daemon.Hosting;
using Outfitter.Daemon.IntegrationTests.Support;
using Outfitter.Daemon.Testing;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Telemetry;

/// <summary>
/// Each component logs under its own category when the daemon is given an <see cref="ILoggerFactory"/> (directly or
/// through dependency injection), and what is logged while a request is handled carries the connection's and the
/// request's scope. Real sockets, real lock files; only systemd's notify socket is the in-memory fake.
/// </summary>
public sealed class LoggingTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Every_component_logs_under_its_category_and_a_handlers_logs_carry_the_connection_and_request_scopes()
    {
        var logs = new RecordingLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var systemd = new FakeSystemd { NotifySocket = "/run/outfitter-test/notify" };
        var ports = OsPorts.Current;
        var health = HealthChecker.Create([new HealthCheck("flaky", _ => Task.FromResult(false), "down")], logger: loggers.CreateLogger(DaemonLogCategories.Health));
        await using var host = new DaemonHost(
            new DaemonHostOptions { Name = "logs", SocketPath = _dir.Combine("l.sock"), LockPath = _dir.Combine("l.lock"), HandleSignals = false, ExitOnSignal = false },
            DaemonPathResolver.Os, DaemonLockService.Os, ports.Transport, ports.Directories, ports.Signals, ports.Exit, health, ports.Time,
            ports.Runtime, ports.Processes, systemd, systemd, loggers);
        var app = loggers.CreateLogger("App");
        host.Router.Map("applog", request =>
        {
            app.LogInformation("handling applog");
            request.Result.Write("true"u8);
            return IpcResult.Written;
        });
        Assert.True((await host.StartAsync()).IsSuccess);
        await using (var client = IpcClient.Create(host.SocketPath))
        {
            Assert.True((await client.ConnectAsync()).IsSuccess);
            Assert.True((await client.SendRawAsync("""{"type":"applog"}"""u8.ToArray())).IsSuccess);
            Assert.True((await client.SendRawAsync("""{"type":"health"}"""u8.ToArray())).IsSuccess);
        }

        Assert.True((await host.StopAsync()).IsSuccess);

        await logs.WaitForAsync(e => e.Category == DaemonLogCategories.Ipc && e.Message.StartsWith("IPC server listening", StringComparison.Ordinal), Deadline);
        await logs.WaitForAsync(e => e.Category == DaemonLogCategories.Lifecycle && e.Message.Contains("running", StringComparison.Ordinal), Deadline);
        await logs.WaitForAsync(e => e.Category == DaemonLogCategories.Locking && e.Message.Contains("took the lock", StringComparison.Ordinal), Deadline);
        await logs.WaitForAsync(e => e.Category == DaemonLogCategories.Locking && e.Message.Contains("released the lock", StringComparison.Ordinal), Deadline);
        await logs.WaitForAsync(e => e.Category == DaemonLogCategories.Health && e.Level == LogLevel.Warning && e.Message.Contains("flaky is unhealthy", StringComparison.Ordinal), Deadline);
        await logs.WaitForAsync(e => e.Category == DaemonLogCategories.Systemd && e.Message.StartsWith("Notifying systemd", StringComparison.Ordinal), Deadline);
        Assert.DoesNotContain(logs.Entries, e => e.Category == "Outfitter.Daemon"); // nothing left in the old catch-all category

        var handled = await logs.WaitForAsync(e => e.Category == "App", Deadline);
        Assert.IsType<long>(handled.ScopeValue("ConnectionId"));
        Assert.Equal("1", handled.ScopeValue("RequestId"));
        Assert.Equal("applog", handled.ScopeValue("RequestType"));
        Assert.Equal(Environment.ProcessId, handled.ScopeValue("PeerPid"));
        var opened = await logs.WaitForAsync(e => e.Category == DaemonLogCategories.Ipc && e.Message.Contains("opened", StringComparison.Ordinal), Deadline);
        Assert.Equal(handled.ScopeValue("ConnectionId"), opened.ScopeValue("ConnectionId"));
        Assert.Null(opened.ScopeValue("RequestId")); // the connection's scope, not a request's
    }

    [Fact]
    public async Task The_dependency_injection_path_passes_the_hosts_logger_factory_through_to_every_component()
    {
        var logs = new RecordingLoggerProvider();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace);
        builder.Services.AddHealthChecks().AddCheck("bridged", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy("gone"));
        builder.Services.AddOutfitterDaemon(o =>
        {
            o.Name = "di-logs";
            o.SocketPath = _dir.Combine("d.sock");
            o.LockPath = _dir.Combine("d.lock");
        }).AsHostedService();
        using var host = builder.Build();
        await host.StartAsync();
        var daemonHost = host.Services.GetRequiredService<DaemonHost>();
        await using (var client = IpcClient.Create(daemonHost.SocketPath))
        {
            Assert.True((await client.ConnectAsync()).IsSuccess);
            var reply = await client.SendRawAsync("""{"type":"health"}"""u8.ToArray());
            Assert.True(reply.TryGetValue(out var json, out _));
            Assert.Equal("unhealthy", JsonDocument.Parse(json).RootElement.GetProperty("status").GetString());
        }

        await host.StopAsync();

        foreach (var category in new[] { DaemonLogCategories.Ipc, DaemonLogCategories.Lifecycle, DaemonLogCategories.Locking, DaemonLogCategories.Health })
            await logs.WaitForAsync(e => e.Category == category, Deadline);
        Assert.Contains(logs.Entries, e => e.Category == DaemonLogCategories.Health && e.Message.Contains("bridged is unhealthy", StringComparison.Ordinal));
    }
}
