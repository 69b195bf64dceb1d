using System.Globalization;
using System.Text.Json;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Ipc;

/// <summary>
/// The hello handshake over real sockets: what the tool's daemon answers byte for byte, what <see cref="IpcClient"/>
/// learns from a <c>DaemonHost</c> and from a bare <see cref="IpcServer"/>, and that a user's handler never sees it.
/// </summary>
public sealed class HandshakeTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly List<IAsyncDisposable> _cleanup = [];
    private readonly List<ChildProcess> _children = [];

    private string Socket => _dir.Combine("run", "daemon.sock");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var item in _cleanup)
            await item.DisposeAsync();
        foreach (var child in _children)
            child.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task The_tools_daemon_answers_hello_with_its_identity_and_capabilities()
    {
        var socket = _dir.Combine("t.sock");
        var daemon = ChildProcess.StartDotnet(Artifacts.ToolDll, "run", "--socket", socket);
        _children.Add(daemon);
        Assert.Equal($"READY {socket}", await daemon.NextLineAsync());
        var version = (await new ToolRunner().RunAsync("--version")).Stdout.Trim();

        using var raw = await RawClient.ConnectAsync(socket);
        await raw.SendAsync("""{"id":"h","type":"request","payload":{"type":"hello","protocol":2,"client":"raw/1"}}""" + "\n");
        var line = await raw.ReadLineAsync();
        Assert.NotNull(line);
        Assert.StartsWith("""{"id":"h","type":"response","payload":{"protocol":2,"name":""", line, StringComparison.Ordinal);
        using var reply = JsonDocument.Parse(line);
        var hello = reply.RootElement.GetProperty("payload");
        Assert.Equal(version, hello.GetProperty("version").GetString());
        Assert.Matches("^[0-9a-f]{32}$", hello.GetProperty("build").GetString());
        Assert.Equal(daemon.Pid, hello.GetProperty("pid").GetInt32());
        var started = DateTimeOffset.Parse(hello.GetProperty("startedAt").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(started, DateTimeOffset.UtcNow - TimeSpan.FromMinutes(5), DateTimeOffset.UtcNow + TimeSpan.FromSeconds(5));
        var capabilities = hello.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Contains("cancel", capabilities);
        Assert.Contains("idle", capabilities);

        // A "hello" without a protocol number is an application message like any other (this daemon has no such route).
        await raw.SendAsync("""{"id":"u","type":"request","payload":{"type":"hello"}}""" + "\n");
        Assert.Contains("\"code\":\"UNKNOWN_TYPE\"", await raw.ReadLineAsync(), StringComparison.Ordinal);
        Signals.Send(daemon.Pid, Signals.SIGTERM);
        Assert.Equal(0, await daemon.WaitForExitAsync());
    }

    [Fact]
    public async Task The_client_learns_a_daemon_hosts_name_version_build_pid_and_options_hash()
    {
        var host = global::Outfitter.Daemon.Hosting.DaemonHost.Create(new global::Outfitter.Daemon.Hosting.DaemonHostOptions
        {
            Name = "hs-" + Guid.NewGuid().ToString("N")[..6],
            SocketPath = Socket,
            LockPath = _dir.Combine("run", "daemon.lock"),
            Version = "4.5.6",
            Build = "build-a",
            OptionsHash = "opts-1",
            HandleSignals = false,
            ExitOnSignal = false,
        });
        _cleanup.Add(host);
        Assert.True((await host.StartAsync()).IsSuccess);

        await using var client = IpcClient.Create(Socket);
        Assert.True((await client.ConnectAsync()).IsSuccess);
        var hello = await client.GetServerAsync();
        Assert.NotNull(hello);
        Assert.Equal(2, hello.Protocol);
        Assert.Equal(host.Name, hello.Name);
        Assert.Equal("4.5.6", hello.Version);
        Assert.Equal("build-a", hello.Build);
        Assert.Equal("opts-1", hello.OptionsHash);
        Assert.Equal(Environment.ProcessId, hello.Pid);
        Assert.True(hello.Supports("cancel") && hello.Supports("idle"));
        Assert.Same(hello, client.Server);

        // Requests on the same connection work as before, and the handshake was answered by the server itself.
        Assert.True((await client.SendAsync(JsonDocument.Parse("""{"type":"ping"}""").RootElement)).IsSuccess);
    }

    [Fact]
    public async Task A_bare_servers_handler_never_sees_the_handshake_and_it_can_be_turned_off()
    {
        var seen = new List<string>();
        var server = IpcServer.Create(Socket);
        _cleanup.Add(server);
        var router = new IpcRouter().MapBuiltins();
        server.OnRequest(request =>
        {
            lock (seen)
                seen.Add(System.Text.Encoding.UTF8.GetString(request.Payload));
            return router.Handle(request);
        });
        Assert.True((await server.ListenAsync()).IsSuccess);

        await using var client = IpcClient.Create(Socket);
        Assert.True((await client.ConnectAsync()).IsSuccess);
        var hello = await client.GetServerAsync();
        Assert.Equal(2, hello!.Protocol);
        Assert.Equal(Environment.ProcessId, hello.Pid);
        Assert.NotNull(hello.StartedAt);
        Assert.True((await client.SendAsync(JsonDocument.Parse("""{"type":"ping"}""").RootElement)).IsSuccess);

        await using var quiet = IpcClient.Create(Socket, new IpcClientOptions { Handshake = false });
        Assert.True((await quiet.ConnectAsync()).IsSuccess);
        Assert.Null(await quiet.GetServerAsync());
        Assert.Null(quiet.Server);
        Assert.True((await quiet.SendAsync(JsonDocument.Parse("""{"type":"ping"}""").RootElement)).IsSuccess);

        lock (seen)
            Assert.Equal(["""{"type":"ping"}""", """{"type":"ping"}"""], seen);
    }

    [Fact]
    public async Task A_server_that_never_answers_hello_does_not_delay_connect_and_reads_as_protocol_one()
    {
        // Accepts, reads and never writes: connect returns at once; waiting for the hello answer ends at the bound.
        var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        Directory.CreateDirectory(Path.GetDirectoryName(Socket)!);
        listener.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(Socket));
        listener.Listen(4);
        using var _ = listener;
        var accepted = listener.AcceptAsync();

        await using var client = IpcClient.Create(Socket, new IpcClientOptions { RequestTimeout = TimeSpan.FromMilliseconds(300) });
        Assert.True((await client.ConnectAsync().WaitAsync(TimeSpan.FromSeconds(10))).IsSuccess);
        using var server = await accepted.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(client.Server);
        Assert.Same(ServerHello.ProtocolOne, await client.GetServerAsync().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_client_holding_a_lease_keeps_an_idle_daemon_alive_until_it_disconnects()
    {
        var host = global::Outfitter.Daemon.Hosting.DaemonHost.Create(new global::Outfitter.Daemon.Hosting.DaemonHostOptions
        {
            Name = "hl-" + Guid.NewGuid().ToString("N")[..6],
            SocketPath = Socket,
            LockPath = _dir.Combine("run", "daemon.lock"),
            IdleTimeout = TimeSpan.FromMilliseconds(500),
            HandleSignals = false,
            ExitOnSignal = false,
        });
        _cleanup.Add(host);
        Assert.True((await host.StartAsync()).IsSuccess);

        var client = IpcClient.Create(Socket, new IpcClientOptions { HoldLease = true });
        Assert.True((await client.ConnectAsync()).IsSuccess);
        Assert.True((await client.GetServerAsync())!.Supports("idle"));
        await Signals.WaitUntilAsync(() => client.HoldsLease, "the lease was granted", TimeSpan.FromSeconds(10));

        // Six idle timeouts with nothing but the lease: it does not stop (a stop in that window ends the wait at once).
        await Assert.ThrowsAsync<TimeoutException>(() => host.WaitForStopAsync().WaitAsync(TimeSpan.FromSeconds(3)));
        Assert.Equal(DaemonState.Running, host.State);

        await client.DisposeAsync();
        var stopped = await host.WaitForStopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(stopped.IsSuccess, stopped.ToString());
        Assert.False(File.Exists(Socket));
    }
}
