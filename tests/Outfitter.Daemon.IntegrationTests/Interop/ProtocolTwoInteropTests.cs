using System.Text.Json;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Interop;

/// <summary>
/// Protocol 2 against the real reference package (@outfitter/daemon 0.2.6 under Bun), both ways: their client against
/// our daemon, which speaks the extensions, sees only the reference's messages; our client against their server falls
/// back to protocol 1 with no error.
/// </summary>
public sealed class ProtocolTwoInteropTests : IClassFixture<TypeScriptPeers>, IDisposable
{
    private readonly TypeScriptPeers _peers;
    private readonly TempDir _dir = new();
    private readonly List<ChildProcess> _children = [];

    public ProtocolTwoInteropTests(TypeScriptPeers peers) => _peers = peers;

    public void Dispose()
    {
        foreach (var child in _children)
            child.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task The_reference_client_works_against_a_daemon_that_speaks_the_extensions()
    {
        var socket = _dir.Combine("v2.sock");
        var ours = Track(ChildProcess.StartDotnet(Artifacts.ToolDll, "run", "--socket", socket));
        Assert.Equal($"READY {socket}", await ours.NextLineAsync());

        var theirs = Track(_peers.Start("ts-client-v2.ts", socket));
        var line = await theirs.NextLineAsync();
        var exit = await theirs.WaitForExitAsync();
        Assert.True(exit == 0, $"ts-client-v2.ts exited with {exit}.\nstdout: {line}\nstderr: {theirs.Stderr}\nour daemon's stderr: {ours.Stderr}");
        using var results = JsonDocument.Parse(line);
        Assert.Equal(40, results.RootElement.GetProperty("answered").GetInt32());
        Assert.Equal(ours.Pid, results.RootElement.GetProperty("hello").GetProperty("pid").GetInt32());

        Signals.Send(ours.Pid, Signals.SIGTERM);
        Assert.Equal(0, await ours.WaitForExitAsync());
    }

    [Fact]
    public async Task Our_client_falls_back_to_protocol_one_against_the_reference_server_with_no_error()
    {
        var socket = _dir.Combine("ts.sock");
        var server = Track(_peers.Start("ts-server.ts", socket));
        Assert.Equal($"READY {socket}", await server.NextLineAsync());

        // The default client sends hello and asks for a lease; the reference answers hello with its handler's error.
        await using var client = IpcClient.Create(socket, new IpcClientOptions { HoldLease = true });
        Assert.True((await client.ConnectAsync()).IsSuccess);
        Assert.Same(ServerHello.ProtocolOne, await client.GetServerAsync());
        Assert.False(client.HoldsLease);
        var ping = await client.SendAsync(JsonDocument.Parse("""{"type":"ping"}""").RootElement);
        Assert.True(ping.IsSuccess, ping.ToString());

        // connect-or-start with nothing expected uses it as it is.
        var (connected, started) = (await DaemonClient.ConnectOrStartAsync(
            "ts-peer",
            new DaemonStartInfo("/bin/false", []),
            new ConnectOrStartOptions { SocketPath = socket, StartTimeout = TimeSpan.FromSeconds(10) })).Match(c => c, e => throw new Xunit.Sdk.XunitException(e.ToString()));
        await using var _ = connected;
        Assert.False(started);
        Assert.Same(ServerHello.ProtocolOne, await connected.GetServerAsync());
    }

    private ChildProcess Track(ChildProcess child)
    {
        _children.Add(child);
        return child;
    }
}
