using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Outfitter.Daemon.Hosting;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Health;

/// <summary>
/// The checks users already have, through the real composition: a Generic Host with <c>AddHealthChecks().AddCheck&lt;T&gt;()</c>
/// and <c>AddOutfitterDaemon(…)</c> over this OS's adapters, asked <c>{"type":"health"}</c> over a real socket.
/// </summary>
public sealed class HealthCheckBridgeHostTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A dependency resolved from the container, as a user's check would have one.</summary>
    public sealed class CacheClient
    {
        public string Replica => "replica-2";
    }

    /// <summary>A user's Microsoft health check: degraded, with data and the exception it caught.</summary>
    public sealed class CacheHealthCheck(CacheClient cache) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(HealthCheckResult.Degraded(
                "serving from " + cache.Replica,
                new TimeoutException("primary cache did not answer within 200 ms"),
                new Dictionary<string, object> { ["replica"] = cache.Replica, ["lagMs"] = 340, ["stale"] = true }));
    }

    /// <summary>A user's check that throws.</summary>
    public sealed class QueueHealthCheck : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("queue broker refused the connection");
    }

    private IHost BuildHost(Action<IHealthChecksBuilder> addChecks, bool hosted = false)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<CacheClient>();
        addChecks(builder.Services.AddHealthChecks());
        var daemon = builder.Services.AddOutfitterDaemon(o =>
            {
                o.Name = "bridge-test";
                o.SocketPath = _dir.Combine("d.sock");
                o.LockPath = _dir.Combine("d.lock");
                o.HandleSignals = false;
                o.ExitOnSignal = false;
                o.Systemd.Enabled = false;
            })
            .AddHealthCheck("own", _ => Task.FromResult(true));
        if (hosted)
            daemon.AsHostedService();
        return builder.Build();
    }

    private static async Task<JsonElement> HealthAsync(string socket)
    {
        await using var client = IpcClient.Create(socket);
        Assert.True((await client.ConnectAsync()).IsSuccess);
        var reply = await client.SendAsync(JsonDocument.Parse("""{"type":"health"}""").RootElement);
        return reply.Match(j => j, e => throw new Xunit.Sdk.XunitException(e.Message));
    }

    [Fact]
    public async Task A_generic_host_daemon_reports_its_AddHealthChecks_checks_with_status_exception_and_data()
    {
        using var app = BuildHost(h => h.AddCheck<CacheHealthCheck>("cache", tags: ["ready"]), hosted: true);
        // The user's path: the host starts the daemon as its hosted service, and stops it.
        var daemon = app.Services.GetRequiredService<DaemonHost>();
        await app.StartAsync();
        try
        {
            var reply = await HealthAsync(daemon.SocketPath);

            // The reference's fields, as a TypeScript client reads them: degraded still counts as healthy.
            Assert.True(reply.GetProperty("healthy").GetBoolean());
            Assert.True(reply.GetProperty("uptime").GetInt64() >= 0);
            Assert.Equal("degraded", reply.GetProperty("status").GetString());
            var checks = reply.GetProperty("checks");
            Assert.Equal(new[] { "own", "cache" }, checks.EnumerateObject().Select(c => c.Name).ToArray());
            Assert.Equal("healthy", checks.GetProperty("own").GetProperty("status").GetString());

            var cache = checks.GetProperty("cache");
            Assert.True(cache.GetProperty("healthy").GetBoolean());
            Assert.Equal("degraded", cache.GetProperty("status").GetString());
            Assert.Equal("serving from replica-2", cache.GetProperty("message").GetString());
            Assert.Equal("primary cache did not answer within 200 ms", cache.GetProperty("exception").GetString());
            Assert.Equal(new[] { "ready" }, cache.GetProperty("tags").EnumerateArray().Select(t => t.GetString() ?? "").ToArray());
            var data = cache.GetProperty("data");
            Assert.Equal("replica-2", data.GetProperty("replica").GetString());
            Assert.Equal(340, data.GetProperty("lagMs").GetInt32());
            Assert.True(data.GetProperty("stale").GetBoolean());
            Assert.Equal(JsonValueKind.Number, cache.GetProperty("durationMs").ValueKind);
        }
        finally
        {
            await app.StopAsync();
        }

        Assert.False(File.Exists(daemon.SocketPath));
    }

    [Fact]
    public async Task A_throwing_AddHealthChecks_check_makes_the_reply_unhealthy_with_its_exception_message()
    {
        using var app = BuildHost(h => h.AddCheck<CacheHealthCheck>("cache").AddCheck<QueueHealthCheck>("queue"));
        var daemon = app.Services.GetRequiredService<DaemonHost>();
        Assert.True((await daemon.StartAsync()).IsSuccess);
        try
        {
            var reply = await HealthAsync(daemon.SocketPath);

            Assert.False(reply.GetProperty("healthy").GetBoolean());
            Assert.Equal("unhealthy", reply.GetProperty("status").GetString());
            var queue = reply.GetProperty("checks").GetProperty("queue");
            Assert.False(queue.GetProperty("healthy").GetBoolean());
            Assert.Equal("unhealthy", queue.GetProperty("status").GetString());
            Assert.Equal("queue broker refused the connection", queue.GetProperty("message").GetString());
            Assert.Equal("queue broker refused the connection", queue.GetProperty("exception").GetString());
            Assert.Equal("degraded", reply.GetProperty("checks").GetProperty("cache").GetProperty("status").GetString());
        }
        finally
        {
            Assert.True((await daemon.StopAsync()).IsSuccess);
        }
    }

    [Fact]
    public void A_name_registered_both_ways_fails_when_the_daemon_is_resolved_with_a_clear_message()
    {
        using var app = BuildHost(h => h.AddCheck<CacheHealthCheck>("own"));

        var error = Assert.Throws<InvalidOperationException>(() => app.Services.GetRequiredService<DaemonHost>());

        Assert.Contains("\"own\" is already registered", error.Message, StringComparison.Ordinal);
    }
}
