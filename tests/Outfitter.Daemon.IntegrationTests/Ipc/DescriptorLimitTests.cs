using System.Net.Sockets;
using System.Text;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Ipc;

/// <summary>
/// A real server process with a small descriptor limit (RLIMIT_NOFILE 160) and more clients than it can hold. Without
/// the connection limit a .NET process that runs out of descriptors dies ("Out of memory." when the runtime cannot start
/// a thread); with it the server keeps serving, says once that it is at its limit, and takes the waiting clients as
/// others close.
/// </summary>
public sealed class DescriptorLimitTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task More_clients_than_descriptors_the_server_stays_alive_serves_and_resumes_when_they_close()
    {
        var socket = _dir.Combine("fd.sock");
        using var server = ChildProcess.Start("bash", "-c", "ulimit -n 160 && exec \"$0\" \"$@\"", DotnetHost(), Artifacts.TestHelperDll, "ipc-server", socket);
        Assert.Equal("READY", await server.NextLineAsync());

        var clients = new List<Socket>();
        try
        {
            for (var i = 0; i < 200; i++)
            {
                var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await client.ConnectAsync(new UnixDomainSocketEndPoint(socket)); // completes in the backlog if need be
                clients.Add(client);
            }

            await Signals.WaitUntilAsync(() => server.Stderr.Contains("its limit", StringComparison.Ordinal), "the server reports its connection limit");
            Assert.Equal("{\"id\":\"1\",\"type\":\"response\",\"payload\":{\"pong\":true}}", await PingAsync(clients[0]));
            Assert.False(server.Process.HasExited, "The server must survive more clients than it has descriptors.\n" + server.Stderr);
            Assert.DoesNotContain("Out of memory", server.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Accepting a connection failed", server.Stderr, StringComparison.Ordinal); // it never ran dry
        }
        finally
        {
            foreach (var client in clients)
                client.Dispose();
        }

        // Descriptors free again: a new client is served.
        using var late = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await late.ConnectAsync(new UnixDomainSocketEndPoint(socket));
        Assert.Equal("{\"id\":\"1\",\"type\":\"response\",\"payload\":{\"pong\":true}}", await PingAsync(late));
        server.Process.StandardInput.Close();
        Assert.Equal(0, await server.WaitForExitAsync());
    }

    private static async Task<string> PingAsync(Socket client)
    {
        await client.SendAsync("{\"id\":\"1\",\"type\":\"request\",\"payload\":{\"type\":\"ping\"}}\n"u8.ToArray(), SocketFlags.None);
        using var deadline = new CancellationTokenSource(ChildProcess.DefaultDeadline);
        var buffer = new byte[256];
        var line = new StringBuilder();
        while (!line.ToString().Contains('\n', StringComparison.Ordinal))
        {
            var read = await client.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            if (read == 0)
                break;
            line.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return line.ToString().TrimEnd('\n');
    }

    private static string DotnetHost() =>
        Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
}
