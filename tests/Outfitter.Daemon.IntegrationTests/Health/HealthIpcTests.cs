using System.Text.Json;
using LanguageExt;
using LanguageExt.Common;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.IntegrationTests.Health;

/// <summary>Health over a real socket: one line of set-up, the reference's JSON form, and the tool's built-in handler.</summary>
public sealed class HealthIpcTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_daemon_answers_health_with_the_status_json_after_one_line_of_set_up()
    {
        var socket = _dir.Combine("svc", "daemon.sock");
        var checker = HealthChecker.Create(
        [
            new HealthCheck("database", _ => Task.FromResult(CheckVerdict.Healthy)),
            new HealthCheck("cache", _ => Task.FromResult(CheckVerdict.Unhealthy("Connection refused"))),
        ]);
        await using var server = IpcServer.Create(socket);
        server.OnRequest(new IpcRouter().MapHealth(checker).Handle);
        Assert.True((await server.ListenAsync()).IsSuccess);
        await using var client = IpcClient.Create(socket);
        Assert.True((await client.ConnectAsync()).IsSuccess);

        var reply = (await client.SendAsync(JsonDocument.Parse("""{"type":"health"}""").RootElement)).Match(j => j, e => throw new Xunit.Sdk.XunitException(e.Message));

        Assert.False(reply.GetProperty("healthy").GetBoolean());
        Assert.True(reply.GetProperty("uptime").GetInt64() >= 0);
        var checks = reply.GetProperty("checks");
        Assert.True(checks.GetProperty("database").GetProperty("healthy").GetBoolean());
        Assert.False(checks.GetProperty("database").TryGetProperty("message", out _));
        Assert.False(checks.GetProperty("cache").GetProperty("healthy").GetBoolean());
        Assert.Equal("Connection refused", checks.GetProperty("cache").GetProperty("message").GetString());
        Assert.True(checks.GetProperty("cache").GetProperty("durationMs").GetDouble() >= 0);
    }

    [Fact]
    public async Task The_tool_answers_health()
    {
        var socket = _dir.Combine("tool", "daemon.sock");
        using var tool = ChildProcess.StartDotnet(Artifacts.ToolDll, "run", "--socket", socket);
        Assert.Equal($"READY {socket}", await tool.NextLineAsync());
        await using var client = IpcClient.Create(socket);
        Assert.True((await client.ConnectAsync()).IsSuccess);

        var reply = (await client.SendAsync(JsonDocument.Parse("""{"type":"health"}""").RootElement)).Match(j => j, e => throw new Xunit.Sdk.XunitException(e.Message));

        Assert.True(reply.GetProperty("healthy").GetBoolean());
        Assert.Equal(JsonValueKind.Object, reply.GetProperty("checks").ValueKind);
        Signals.Send(tool.Pid, Signals.SIGTERM);
        Assert.Equal(0, await tool.WaitForExitAsync());
        Assert.False(File.Exists(socket));
    }
}
