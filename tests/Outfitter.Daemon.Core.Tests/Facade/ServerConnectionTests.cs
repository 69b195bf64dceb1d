using Outfitter.Daemon.Ipc;
using Outfitter.Daemon.Testing;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>The server's per-connection loop over the in-memory transport.</summary>
public sealed class ServerConnectionTests
{
    [Fact]
    public async Task Stopping_a_connection_that_already_ended_is_harmless()
    {
        // CloseAsync may reach a connection after its loop ended but before the server forgot it (a real race once).
        var transport = new InMemoryTransport();
        await using var listener = transport.AsTransport().Listen("/svc.sock", 1).Match(l => l, e => throw new Xunit.Sdk.XunitException(e.Message));
        var client = (await transport.AsTransport().ConnectAsync("/svc.sock", CancellationToken.None)).Match(c => c, f => throw new Xunit.Sdk.XunitException(f.ToString()));
        var connection = new ServerConnection((await listener.AcceptAsync(CancellationToken.None)).Match(s => s, f => throw new Xunit.Sdk.XunitException(f.ToString())), () => IpcBuiltins.Ping, IpcServerSettings.From(new IpcServerOptions()), TimeProvider.System);
        var running = connection.RunAsync();

        await client.DisposeAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30));

        var stop = Record.Exception(connection.StopReading);
        Assert.Null(stop);
    }
}
