using System.Text.Json;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Telemetry;

/// <summary>
/// The meter <c>Outfitter.Daemon</c> through the real composition: a real <see cref="IpcServer"/> and clients over real Unix
/// sockets, observed with a <see cref="System.Diagnostics.Metrics.MeterListener"/> that keeps only this test's socket's
/// measurements (the meter is process-wide), and the server's own counters beside them.
/// </summary>
public sealed class MetricsTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly List<IAsyncDisposable> _cleanup = [];

    private string Socket => _dir.Combine("m.sock");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var item in Enumerable.Reverse(_cleanup))
            await item.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Every_answered_request_is_counted_and_timed_by_type_and_outcome()
    {
        using var metrics = MetricCapture.ForServer(Socket);
        var server = await ListeningServer(new IpcRouter().MapBuiltins()
            .Map("fail", _ => IpcResult.Error("not today", "NOPE"))
            .Map("later", _ => IpcResult.Pending(Task.FromResult(IpcReply.FromJson("1"u8.ToArray()))))
            .Handle);
        var client = await ConnectedClient();

        for (var i = 0; i < 3; i++)
            Assert.True((await Send(client, """{"type":"ping"}""")).IsSuccess);
        for (var i = 0; i < 2; i++)
            Assert.False((await Send(client, """{"type":"fail"}""")).IsSuccess);
        Assert.False((await Send(client, """{"type":"mystery"}""")).IsSuccess);
        Assert.False((await Send(client, """{"no":"type"}""")).IsSuccess);
        Assert.True((await Send(client, """{"type":"later"}""")).IsSuccess);

        await metrics.WaitUntilAsync(m => m.Of(DaemonTelemetry.Requests).Count == 8 && m.Of(DaemonTelemetry.RequestDuration).Count == 8, "8 requests were recorded");
        var requests = metrics.Of(DaemonTelemetry.Requests);
        Assert.All(requests, m => Assert.Equal(1, m.Value));
        Assert.All(requests, m => Assert.Equal("{request}", m.Unit));
        Assert.Equal(3, Count(requests, "ping", "ok", null));
        Assert.Equal(2, Count(requests, "fail", "error", "NOPE"));
        Assert.Equal(1, Count(requests, "mystery", "error", IpcErrorCodes.UnknownType));
        Assert.Equal(1, Count(requests, "_NONE", "error", IpcErrorCodes.UnknownType));
        Assert.Equal(1, Count(requests, "later", "ok", null));

        var durations = metrics.Of(DaemonTelemetry.RequestDuration);
        Assert.All(durations, m => Assert.Equal("s", m.Unit));
        Assert.All(durations, m => Assert.InRange(m.Value, 0, 30));
        Assert.Equal(3, Count(durations, "ping", "ok", null));
        Assert.Equal(2, Count(durations, "fail", "error", "NOPE"));

        // Without a metrics stack: the server's own counters say the same.
        var counters = server.Counters;
        Assert.Equal(8, counters.Requests);
        Assert.Equal(4, counters.Errors);
    }

    [Fact]
    public async Task A_client_cannot_grow_the_type_tag_beyond_64_values_per_server()
    {
        using var metrics = MetricCapture.ForServer(Socket);
        await ListeningServer(new IpcRouter().Handle);
        var client = await ConnectedClient();

        for (var i = 0; i < 70; i++)
            Assert.False((await Send(client, $$"""{"type":"t{{i}}"}""")).IsSuccess);
        Assert.False((await Send(client, $$"""{"type":"{{new string('x', 65)}}"}""")).IsSuccess);

        await metrics.WaitUntilAsync(m => m.Of(DaemonTelemetry.Requests).Count == 71, "71 requests were recorded");
        var types = metrics.Of(DaemonTelemetry.Requests).Select(m => m.Tag("type")).ToList();
        Assert.Equal(65, types.Distinct().Count());
        Assert.Equal(7, types.Count(t => t == "_OTHER"));
        Assert.Contains("t63", types);
        Assert.DoesNotContain("t64", types);
    }

    [Fact]
    public async Task Active_connections_go_up_when_clients_connect_and_down_when_they_leave()
    {
        using var metrics = MetricCapture.ForServer(Socket);
        var server = await ListeningServer();
        var first = await ConnectedClient();
        var second = await ConnectedClient();
        Assert.True((await Send(first, """{"type":"ping"}""")).IsSuccess);
        Assert.True((await Send(second, """{"type":"ping"}""")).IsSuccess);

        await metrics.WaitUntilAsync(m => m.Sum(DaemonTelemetry.ActiveConnections) == 2, "two connections are counted");
        Assert.All(metrics.Of(DaemonTelemetry.ActiveConnections), m => Assert.Equal(1, m.Value));
        Assert.Equal(2, server.Counters.ActiveConnections);

        await first.DisposeAsync();
        await metrics.WaitUntilAsync(m => m.Sum(DaemonTelemetry.ActiveConnections) == 1, "one connection is left");
        await second.DisposeAsync();
        await metrics.WaitUntilAsync(m => m.Sum(DaemonTelemetry.ActiveConnections) == 0, "no connection is left");

        Assert.Equal([1, 1, -1, -1], metrics.Of(DaemonTelemetry.ActiveConnections).Select(m => m.Value));
        Assert.Equal(0, server.Counters.ActiveConnections);
        Assert.Equal(2, server.Counters.ConnectionsAccepted);
    }

    [Fact]
    public async Task A_request_whose_asynchronous_handler_runs_is_in_flight_until_it_is_answered()
    {
        using var metrics = MetricCapture.ForServer(Socket);
        var release = new TaskCompletionSource<IpcReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = await ListeningServer(new IpcRouter().MapBuiltins().Map("wait", _ => IpcResult.Pending(release.Task)).Handle);
        var client = await ConnectedClient();

        var waiting = Send(client, """{"type":"wait"}""");
        await metrics.WaitUntilAsync(m => m.Sum(DaemonTelemetry.ActiveRequests) == 1, "one request is in flight");
        Assert.Equal(1, server.Counters.InFlight);
        Assert.True((await Send(client, """{"type":"ping"}""")).IsSuccess); // a synchronous one is never in flight
        Assert.Equal(1, metrics.Sum(DaemonTelemetry.ActiveRequests));

        release.SetResult(IpcReply.FromJson("\"done\""u8.ToArray()));
        Assert.True((await waiting).IsSuccess);
        await metrics.WaitUntilAsync(m => m.Sum(DaemonTelemetry.ActiveRequests) == 0, "no request is in flight");
        Assert.Equal([1, -1], metrics.Of(DaemonTelemetry.ActiveRequests).Select(m => m.Value));
        Assert.Equal(0, server.Counters.InFlight);
        Assert.Equal(1, Count(metrics.Of(DaemonTelemetry.Requests), "wait", "ok", null));
    }

    [Fact]
    public async Task Malformed_lines_count_as_protocol_errors_by_reason_and_are_not_requests()
    {
        using var metrics = MetricCapture.ForServer(Socket);
        var server = await ListeningServer();
        using var raw = await RawClient.ConnectAsync(Socket);

        await raw.SendAsync("not json\n[1,2]\n{\"type\":\"request\"}\n{\"id\":\"1\",\"type\":\"request\",\"payload\":{\"type\":\"ping\"}}\n");
        for (var i = 0; i < 4; i++)
            Assert.NotNull(await raw.ReadLineAsync());

        await metrics.WaitUntilAsync(m => m.Of(DaemonTelemetry.ProtocolErrors).Count == 3, "three protocol errors were recorded");
        var reasons = metrics.Of(DaemonTelemetry.ProtocolErrors).Select(m => m.Tag("reason")).Order().ToList();
        Assert.Equal([ProtocolProblems.InvalidJson, ProtocolProblems.MissingId, ProtocolProblems.NotAnObject], reasons);
        Assert.Equal(1, Count(metrics.Of(DaemonTelemetry.Requests), "ping", "ok", null));
        Assert.Equal((3, 1L, 0L), (server.Counters.ProtocolErrors, server.Counters.Requests, server.Counters.Errors));
    }

    [Fact]
    public async Task A_line_over_the_limit_is_counted_as_refused_and_the_server_keeps_serving()
    {
        using var metrics = MetricCapture.ForServer(Socket);
        var server = await ListeningServer(options: new IpcServerOptions { MaxLineBytes = 1024 });
        using var raw = await RawClient.ConnectAsync(Socket);

        await raw.SendAsync($$"""{"id":"1","type":"request","payload":"{{new string('x', 4096)}}"}""" + "\n");
        var reply = await raw.ReadLineAsync();

        Assert.Contains(IpcErrorCodes.FrameTooLarge, reply, StringComparison.Ordinal);
        await metrics.WaitUntilAsync(m => m.Of(DaemonTelemetry.FramesTooLarge).Count == 1, "the refusal was recorded");
        Assert.Equal(1, metrics.Sum(DaemonTelemetry.FramesTooLarge));
        Assert.Equal(1, server.Counters.FramesTooLarge);
        var client = await ConnectedClient();
        Assert.True((await Send(client, """{"type":"ping"}""")).IsSuccess);
    }

    [Fact]
    public async Task Each_health_check_run_is_timed_and_counted_with_its_name_and_final_status()
    {
        var prefix = "m" + Guid.NewGuid().ToString("N")[..8] + "-";
        using var metrics = new MetricCapture(tags => tags.TryGetValue("name", out var name) && name is string s && s.StartsWith(prefix, StringComparison.Ordinal));
        var never = new TaskCompletionSource<bool>();
        var checker = HealthChecker.Create(
        [
            new HealthCheck(prefix + "ok", _ => Task.FromResult(true)),
            new HealthCheck(prefix + "slow", _ => Task.FromResult(CheckVerdict.Degraded("replica"))),
            new HealthCheck(prefix + "down", _ => Task.FromResult(false), "refused"),
            new HealthCheck(prefix + "hangs", _ => never.Task, timeout: TimeSpan.FromMilliseconds(50)),
        ]);

        var health = await checker.CheckAsync();
        await checker.CheckAsync();

        Assert.Equal(CheckStatus.Unhealthy, health.Status);
        var counts = metrics.Of(DaemonTelemetry.HealthChecks);
        Assert.Equal(8, counts.Count);
        Assert.All(counts, m => Assert.Equal(1, m.Value));
        Assert.Equal(2, counts.Count(m => m.Tag("name") == prefix + "ok" && m.Tag("status") == "healthy"));
        Assert.Equal(2, counts.Count(m => m.Tag("name") == prefix + "slow" && m.Tag("status") == "degraded"));
        Assert.Equal(2, counts.Count(m => m.Tag("name") == prefix + "down" && m.Tag("status") == "unhealthy"));
        Assert.Equal(2, counts.Count(m => m.Tag("name") == prefix + "hangs" && m.Tag("status") == "unhealthy")); // timed out
        var durations = metrics.Of(DaemonTelemetry.HealthCheckDuration);
        Assert.Equal(8, durations.Count);
        Assert.All(durations, m => Assert.Equal("s", m.Unit));
        Assert.All(durations.Where(m => m.Tag("name") == prefix + "hangs"), m => Assert.InRange(m.Value, 0.04, 30));
    }

    private static int Count(IEnumerable<MetricCapture.Measurement> measurements, string type, string outcome, string? errorType) =>
        measurements.Count(m => m.Tag("type") == type && m.Tag("outcome") == outcome && m.Tag("error.type") == errorType);

    private async Task<IpcServer> ListeningServer(IpcRequestHandler? handler = null, IpcServerOptions? options = null)
    {
        var server = IpcServer.Create(Socket, options);
        _cleanup.Add(server);
        server.OnRequest(handler ?? new IpcRouter().MapBuiltins().Handle);
        Assert.True((await server.ListenAsync()).IsSuccess);
        return server;
    }

    private async Task<IpcClient> ConnectedClient()
    {
        var client = IpcClient.Create(Socket);
        _cleanup.Add(client);
        Assert.True((await client.ConnectAsync()).IsSuccess);
        return client;
    }

    private static Task<Result<JsonElement, DaemonConnectionError>> Send(IpcClient client, string json) =>
        client.SendAsync(JsonDocument.Parse(json).RootElement);
}
