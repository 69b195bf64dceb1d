using System.Text.Json;
using Outfitter.Daemon.Hosting;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Telemetry;

/// <summary>
/// Counters without a metrics stack: a <see cref="DaemonHost"/>'s <c>status</c> reply carries the live counters beside
/// its existing fields, over a real socket, with no listener and no logging set up.
/// </summary>
public sealed class StatusCountersTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Status_reports_requests_errors_connections_and_uptime_beside_its_existing_fields()
    {
        await using var host = DaemonHost.Create(new DaemonHostOptions
        {
            Name = "counters",
            SocketPath = _dir.Combine("c.sock"),
            LockPath = _dir.Combine("c.lock"),
            HandleSignals = false,
            ExitOnSignal = false,
            Version = "9.8.7",
        });
        Assert.True((await host.StartAsync()).IsSuccess);
        await using var client = IpcClient.Create(host.SocketPath);
        Assert.True((await client.ConnectAsync()).IsSuccess);
        using var raw = await RawClient.ConnectAsync(host.SocketPath);

        var before = await StatusAsync(client);
        for (var i = 0; i < 5; i++)
            Assert.True((await client.SendRawAsync("""{"type":"ping"}"""u8.ToArray())).IsSuccess);
        Assert.False((await client.SendRawAsync("""{"type":"no-such-request"}"""u8.ToArray())).IsSuccess);
        await raw.SendAsync("this is not json\n");
        Assert.Contains("PROTOCOL_ERROR", await raw.ReadLineAsync(), StringComparison.Ordinal);
        var after = await StatusAsync(client);

        // The existing fields are all still there.
        Assert.Equal("counters", after.GetProperty("name").GetString());
        Assert.Equal(Environment.ProcessId, after.GetProperty("pid").GetInt32());
        Assert.Equal("running", after.GetProperty("state").GetString());
        Assert.True(after.GetProperty("uptime").GetInt64() >= 0);
        Assert.Equal("9.8.7", after.GetProperty("version").GetString());
        Assert.Equal(host.SocketPath, after.GetProperty("socket").GetString());
        Assert.Equal(host.LockPath, after.GetProperty("lock").GetString());

        // The first status is counted by the second; a status never counts itself.
        Assert.Equal(0, before.GetProperty("requests").GetInt64());
        Assert.Equal(7, after.GetProperty("requests").GetInt64());
        Assert.Equal(0, before.GetProperty("errors").GetInt64());
        Assert.Equal(1, after.GetProperty("errors").GetInt64());
        Assert.Equal(2, after.GetProperty("activeConnections").GetInt32());
        Assert.Equal(0, after.GetProperty("inFlight").GetInt64());
        Assert.Equal(1, after.GetProperty("protocolErrors").GetInt64());
        Assert.Equal(0, after.GetProperty("framesTooLarge").GetInt64());
        Assert.Equal(2, after.GetProperty("connectionsAccepted").GetInt64());
    }

    private static async Task<JsonElement> StatusAsync(IpcClient client)
    {
        var reply = await client.SendRawAsync("""{"type":"status"}"""u8.ToArray());
        Assert.True(reply.TryGetValue(out var json, out var error), error?.Message);
        return JsonDocument.Parse(json).RootElement.Clone();
    }
}
