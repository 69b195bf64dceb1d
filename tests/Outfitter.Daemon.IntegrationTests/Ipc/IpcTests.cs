using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using LanguageExt;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Ipc;

/// <summary>The IPC server and client over real Unix sockets: every behaviour the reference promises, and the hardening.</summary>
public sealed class IpcTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly List<IAsyncDisposable> _cleanup = [];

    private string Socket => _dir.Combine("run", "daemon.sock");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var item in _cleanup)
            await item.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<IpcServer> ListeningServer(IpcRequestHandler? handler = null, IpcServerOptions? options = null, string? path = null)
    {
        var server = IpcServer.Create(path ?? Socket, options);
        _cleanup.Add(server);
        server.OnRequest(handler ?? new IpcRouter().MapBuiltins().Handle);
        Ok(await server.ListenAsync());
        return server;
    }

    private async Task<IpcClient> ConnectedClient(IpcClientOptions? options = null, string? path = null)
    {
        var client = IpcClient.Create(path ?? Socket, options);
        _cleanup.Add(client);
        Ok(await client.ConnectAsync());
        return client;
    }

    private static async Task<JsonElement> Send(IpcClient client, string json) =>
        Ok(await client.SendAsync(JsonDocument.Parse(json).RootElement));

    [Fact]
    public async Task Listen_creates_a_private_socket_close_removes_it_is_idempotent_and_the_server_can_listen_again()
    {
        var server = await ListeningServer();

        Assert.True(File.Exists(Socket));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Socket));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(Socket)!));
        Ok(await server.ListenAsync()); // listening twice is harmless

        await server.CloseAsync();
        await server.CloseAsync();
        Assert.False(File.Exists(Socket));
        Assert.False(server.IsListening);

        Ok(await server.ListenAsync());
        var client = await ConnectedClient();
        Assert.Equal("true", (await Send(client, """{"type":"ping"}""")).GetProperty("pong").GetRawText());
    }

    [Fact]
    public async Task A_handler_returning_default_is_answered_with_internal_error_and_the_server_keeps_serving_other_clients()
    {
        await ListeningServer(new IpcRouter().MapBuiltins().Map("forgetful", _ => default).Handle);
        var first = await ConnectedClient();

        var error = Err(await first.SendAsync(JsonDocument.Parse("""{"type":"forgetful"}""").RootElement));

        var remote = Assert.IsType<DaemonConnectionError.RemoteError>(error);
        Assert.Equal(Option<string>.Some(IpcErrorCodes.InternalError), remote.Code);
        Assert.Equal("true", (await Send(first, """{"type":"ping"}""")).GetProperty("pong").GetRawText());
        var second = await ConnectedClient();
        Assert.Equal("true", (await Send(second, """{"type":"ping"}""")).GetProperty("pong").GetRawText());
    }

    [Fact]
    public async Task Connecting_to_a_missing_socket_fails_at_once_with_a_clear_error()
    {
        var client = IpcClient.Create(Socket);
        var watch = Stopwatch.StartNew();

        var error = Err(await client.ConnectAsync());

        var refused = Assert.IsType<DaemonConnectionError.ConnectionRefusedError>(error);
        Assert.Contains("no socket file", refused.Message, StringComparison.Ordinal);
        Assert.Equal("ConnectionRefusedError", refused.Tag);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"Took {watch.Elapsed}.");
    }

    [Fact]
    public async Task A_client_can_close_and_reconnect_and_close_is_idempotent()
    {
        await ListeningServer();
        var client = await ConnectedClient();
        await Send(client, """{"type":"ping"}""");

        client.Close();
        client.Close();
        Assert.False(client.IsConnected);
        Assert.IsType<DaemonConnectionError.ConnectionClosedError>(Err(await client.SendAsync(JsonDocument.Parse("{}").RootElement)));

        Ok(await client.ConnectAsync());
        Assert.Equal("\"again\"", (await Send(client, """{"type":"echo","data":"again"}""")).GetRawText());
    }

    [Fact]
    public async Task A_handler_exception_becomes_an_error_reply_that_surfaces_as_a_remote_error()
    {
        await ListeningServer(_ => throw new InvalidOperationException("database is down"));
        var client = await ConnectedClient();

        var error = Err(await client.SendAsync(JsonDocument.Parse("{}").RootElement));

        var remote = Assert.IsType<DaemonConnectionError.RemoteError>(error);
        Assert.Equal("database is down", remote.RemoteMessage);
        Assert.Equal(Option<string>.Some(IpcErrorCodes.HandlerError), remote.Code);
        Assert.IsType<DaemonConnectionError.RemoteError>(Err(await client.SendAsync(JsonDocument.Parse("{}").RootElement)));
        Assert.True(client.IsConnected, "An error reply does not cost the connection.");
    }

    [Fact]
    public async Task Requests_on_one_connection_run_concurrently_and_replies_out_of_order_are_matched_by_id()
    {
        await ListeningServer(request =>
        {
            var payload = request.ParsePayload();
            var delay = payload.GetProperty("delay").GetInt32();
            return IpcResult.Pending(Task.Run(async () =>
            {
                await Task.Delay(delay);
                return IpcReply.FromJson(Encoding.UTF8.GetBytes(payload.GetProperty("n").GetRawText()));
            }));
        });
        var client = await ConnectedClient();

        // The first requests wait longest, so their replies come last.
        var sends = Enumerable.Range(0, 20)
            .Select(n => client.SendAsync(JsonDocument.Parse($$"""{"n":{{n}},"delay":{{(20 - n) * 15}}}""").RootElement))
            .ToList();
        var replies = await Task.WhenAll(sends);

        Assert.Equal(Enumerable.Range(0, 20), replies.Select(r => Ok(r).GetInt32()));
    }

    [Fact]
    public async Task Many_clients_interleaving_concurrent_requests_get_every_reply_matched()
    {
        await ListeningServer();
        var clients = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => ConnectedClient()));

        var all = clients.SelectMany((client, c) => Enumerable.Range(0, 250).Select(async i =>
        {
            var data = $"client {c} request {i} {new string('x', i % 97)}";
            var reply = await client.SendAsync(JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, string> { ["type"] = "echo", ["data"] = data })).RootElement);
            return (Expected: data, Actual: Ok(reply).GetString());
        }));
        var results = await Task.WhenAll(all);

        Assert.Equal(2000, results.Length);
        Assert.All(results, r => Assert.Equal(r.Expected, r.Actual));
    }

    [Fact]
    public async Task A_live_server_is_never_hijacked()
    {
        var first = await ListeningServer();
        var second = IpcServer.Create(Socket);
        _cleanup.Add(second);

        var error = Err(await second.ListenAsync());

        Assert.Equal(IpcListenErrorCode.AlreadyListening, error.Code);
        Assert.Contains("already listening", error.Message, StringComparison.Ordinal);
        var client = await ConnectedClient();
        await Send(client, """{"type":"ping"}""");
        Assert.True(first.IsListening);
    }

    [Fact]
    public async Task A_stale_socket_file_is_removed_and_reused()
    {
        LeaveStaleSocket(Socket);

        await ListeningServer();

        var client = await ConnectedClient();
        await Send(client, """{"type":"ping"}""");
    }

    [Fact]
    public async Task A_file_that_is_not_a_socket_is_refused_and_left_alone()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Socket)!);
        File.WriteAllText(Socket, "my precious data");
        var server = IpcServer.Create(Socket);
        _cleanup.Add(server);

        var error = Err(await server.ListenAsync());

        Assert.Equal(IpcListenErrorCode.NotASocket, error.Code);
        Assert.Equal("my precious data", File.ReadAllText(Socket));
    }

    [Fact]
    public async Task A_stale_socket_whose_daemon_died_is_reported_with_that_pid()
    {
        LeaveStaleSocket(Socket);
        var lockPath = _dir.Combine("run", "daemon.lock");
        File.WriteAllText(lockPath, "2147483646\n");

        var error = Err(await IpcClient.Create(Socket).ConnectAsync());

        var stale = Assert.IsType<DaemonConnectionError.StaleSocketError>(error);
        Assert.Equal(Socket, stale.SocketPath);
        Assert.Equal((int?)(2147483646), stale.Pid);
    }

    [Fact]
    public async Task A_refused_socket_whose_daemon_holds_its_lock_is_refused_not_stale()
    {
        LeaveStaleSocket(Socket);
        var lockPath = _dir.Combine("run", "daemon.lock");
        using var held = (await DaemonLock.AcquireAsync(lockPath)).Match(h => h, e => throw new Xunit.Sdk.XunitException(e.Message));

        var error = Err(await IpcClient.Create(Socket).ConnectAsync());

        var refused = Assert.IsType<DaemonConnectionError.ConnectionRefusedError>(error);
        Assert.Contains($"PID {Environment.ProcessId}", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("this is {not json\n", "null")]
    [InlineData("{\"id\":\"t1\",\"type\":\"request\",\"payload\":{\"type\":\"echo\"\n", "\"t1\"")]
    [InlineData("{\"id\":\"wt\",\"type\":\"bogus\",\"payload\":1}\n", "\"wt\"")]
    [InlineData("null\n", "null")]
    [InlineData("{\"type\":\"request\",\"payload\":1}\n", "null")]
    [InlineData("{\"id\":42,\"type\":\"request\",\"payload\":1}\n", "42")]
    [InlineData("[1,2,3]\n", "null")]
    public async Task Every_malformed_line_gets_a_protocol_error_reply_and_the_connection_stays_usable(string line, string expectedId)
    {
        await ListeningServer();
        using var raw = await RawClient.ConnectAsync(Socket);

        await raw.SendAsync(line);
        var reply = JsonDocument.Parse((await raw.ReadLineAsync())!).RootElement;

        Assert.Equal(expectedId, reply.GetProperty("id").GetRawText());
        Assert.Equal("error", reply.GetProperty("type").GetString());
        Assert.Equal(IpcErrorCodes.ProtocolError, reply.GetProperty("payload").GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(reply.GetProperty("payload").GetProperty("message").GetString()));
        await raw.SendAsync("{\"id\":\"after\",\"type\":\"request\",\"payload\":{\"type\":\"ping\"}}\n");
        Assert.Equal("{\"id\":\"after\",\"type\":\"response\",\"payload\":{\"pong\":true}}", await raw.ReadLineAsync());
    }

    [Fact]
    public async Task Binary_garbage_gets_an_error_reply_and_multibyte_utf8_split_across_writes_arrives_intact()
    {
        await ListeningServer();
        using var raw = await RawClient.ConnectAsync(Socket);
        var garbage = new byte[4097];
        new Random(12345).NextBytes(garbage);
        for (var i = 0; i < garbage.Length; i++)
            garbage[i] = garbage[i] == (byte)'\n' ? (byte)0 : garbage[i];
        garbage[^1] = (byte)'\n';

        await raw.SendAsync(garbage);
        Assert.Contains(IpcErrorCodes.ProtocolError, await raw.ReadLineAsync(), StringComparison.Ordinal);

        var request = Encoding.UTF8.GetBytes("{\"id\":\"u8\",\"type\":\"request\",\"payload\":{\"type\":\"echo\",\"data\":\"héllo ✓ 😀\"}}\n");
        var cut = Array.IndexOf(request, (byte)0xC3) + 1; // between the two bytes of é
        await raw.SendAsync(request[..cut]);
        await raw.SendAsync(request[cut..]);
        Assert.Equal("{\"id\":\"u8\",\"type\":\"response\",\"payload\":\"héllo ✓ 😀\"}", await raw.ReadLineAsync());
    }

    [Fact]
    public async Task A_line_over_the_limit_gets_one_frame_too_large_reply_then_the_connection_closes_and_others_are_served()
    {
        await ListeningServer(options: new IpcServerOptions { MaxLineBytes = 1024 });
        using var raw = await RawClient.ConnectAsync(Socket);

        var sending = raw.SendAsync(new string('a', 64 * 1024));
        var reply = await raw.ReadLineAsync();

        Assert.Contains(IpcErrorCodes.FrameTooLarge, reply, StringComparison.Ordinal);
        Assert.Null(await raw.ReadLineAsync());
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await sending;
            await raw.SendAsync(new string('b', 1 << 20));
        });
        var client = await ConnectedClient();
        await Send(client, """{"type":"ping"}""");
    }

    [Fact]
    public async Task A_client_that_writes_1000_requests_without_reading_gets_all_1000_replies_intact()
    {
        await ListeningServer();
        using var raw = await RawClient.ConnectAsync(Socket);
        var data = new string('d', 4096);
        var requests = new StringBuilder();
        for (var i = 0; i < 1000; i++)
            requests.Append("{\"id\":\"s").Append(i).Append("\",\"type\":\"request\",\"payload\":{\"type\":\"echo\",\"data\":\"").Append(data).Append("\"}}\n");

        // Write everything while reading nothing; the server must push back, not drop.
        var writing = raw.SendAsync(requests.ToString());
        await Signals.WaitUntilAsync(() => writing.IsCompleted || raw.Socket.Available > 0, "the server starts answering");

        var seen = new System.Collections.Generic.HashSet<string>();
        for (var i = 0; i < 1000; i++)
        {
            var reply = JsonDocument.Parse((await raw.ReadLineAsync())!).RootElement;
            Assert.Equal(data, reply.GetProperty("payload").GetString());
            Assert.True(seen.Add(reply.GetProperty("id").GetString()!), "duplicate reply");
        }

        await writing;
        Assert.Equal(1000, seen.Count);
    }

    [Fact]
    public async Task A_one_mebibyte_request_gets_an_intact_one_mebibyte_reply()
    {
        await ListeningServer();
        var client = await ConnectedClient();
        var data = string.Concat(Enumerable.Range(0, 1 << 20).Select(i => (char)('a' + i % 26)));

        var reply = await client.SendAsync(JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, string> { ["type"] = "echo", ["data"] = data })).RootElement);

        Assert.Equal(data, Ok(reply).GetString());
    }

    [Fact]
    public async Task A_slow_client_does_not_stall_the_others()
    {
        await ListeningServer();
        using var slow = await RawClient.ConnectAsync(Socket);
        var data = new string('s', 8192);
        var flood = string.Concat(Enumerable.Range(0, 2000).Select(i => $"{{\"id\":\"{i}\",\"type\":\"request\",\"payload\":{{\"type\":\"echo\",\"data\":\"{data}\"}}}}\n"));
        var stuck = slow.SendAsync(flood); // never read: this connection is blocked on its own replies

        var client = await ConnectedClient();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 100; i++)
            await Send(client, """{"type":"ping"}""");

        Assert.False(stuck.IsCompleted, "The flood should still be blocked by backpressure.");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"Other clients were slowed down: {watch.Elapsed}.");
    }

    [Fact]
    public async Task With_a_connect_timeout_the_client_waits_for_a_daemon_that_is_still_starting()
    {
        var client = IpcClient.Create(Socket, new IpcClientOptions { ConnectTimeout = TimeSpan.FromSeconds(30) });
        _cleanup.Add(client);

        var connecting = client.ConnectAsync();
        Assert.False(connecting.IsCompleted);
        await ListeningServer();

        Ok(await connecting);
        await Send(client, """{"type":"ping"}""");
    }

    [Fact]
    public async Task With_a_connect_timeout_and_no_daemon_the_client_gives_a_connection_timeout_error()
    {
        var client = IpcClient.Create(Socket, new IpcClientOptions { ConnectTimeout = TimeSpan.FromMilliseconds(300) });

        var error = Err(await client.ConnectAsync());

        var timeout = Assert.IsType<DaemonConnectionError.ConnectionTimeoutError>(error);
        Assert.Equal(300, timeout.TimeoutMs);
        Assert.Equal("ConnectionTimeoutError", timeout.Tag);
    }

    [Fact]
    public async Task A_connect_timeout_on_a_stale_socket_says_what_it_kept_finding_and_whose_socket_it_was()
    {
        // A socket file nobody listens on, and a lock file naming a process that has exited: what a crash leaves.
        LeaveStaleSocket(Socket);
        using var exited = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        await exited.WaitForExitAsync();
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(Socket)!, "daemon.lock"), $"{exited.Id}\n");
        var client = IpcClient.Create(Socket, new IpcClientOptions { ConnectTimeout = TimeSpan.FromMilliseconds(300) });

        var timeout = Assert.IsType<DaemonConnectionError.ConnectionTimeoutError>(Err(await client.ConnectAsync()));

        var last = timeout.LastFailure ?? throw new Xunit.Sdk.XunitException("No last failure: " + timeout.Message);
        var stale = last as DaemonConnectionError.StaleSocketError ?? throw new Xunit.Sdk.XunitException("Expected a stale socket, got: " + last);
        Assert.Equal((int?)(exited.Id), stale.Pid);
        Assert.Contains($"Last failure: Stale socket at {Socket}: its daemon (PID {exited.Id}) is gone.", timeout.Message, StringComparison.Ordinal);
        Assert.True(timeout.IsSafeToRetry);
    }

    [Fact]
    public async Task A_request_without_a_reply_times_out_and_the_late_reply_is_discarded_safely()
    {
        var release = new TaskCompletionSource<IpcReply>();
        var calls = 0;
        await ListeningServer(request =>
            Interlocked.Increment(ref calls) == 1 ? IpcResult.Pending(release.Task) : IpcBuiltins.Ping(request));
        var client = await ConnectedClient(new IpcClientOptions { RequestTimeout = TimeSpan.FromMilliseconds(200) });

        var error = Err(await client.SendAsync(JsonDocument.Parse("{}").RootElement));
        Assert.Equal(200, Assert.IsType<DaemonConnectionError.ConnectionTimeoutError>(error).TimeoutMs);

        release.SetResult(IpcReply.FromJson("\"late\""u8.ToArray()));
        Assert.Equal("true", (await Send(client, "{}")).GetProperty("pong").GetRawText());

        using var cancelled = new CancellationTokenSource();
        var waiting = client.SendAsync(JsonDocument.Parse("{}").RootElement, cancelled.Token);
        Assert.True(Ok(await waiting).TryGetProperty("pong", out _));
    }

    [Fact]
    public async Task Pending_requests_fail_when_the_connection_drops()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Socket)!);
        using var listener = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(Socket));
        listener.Listen();
        var client = await ConnectedClient();
        using var accepted = await listener.AcceptAsync();

        var sending = client.SendAsync(JsonDocument.Parse("{}").RootElement);
        var buffer = new byte[1024];
        await accepted.ReceiveAsync(buffer, SocketFlags.None);
        accepted.Close();

        Assert.IsType<DaemonConnectionError.ConnectionClosedError>(Err(await sending));
    }

    [Fact]
    public async Task Close_lets_in_flight_handlers_finish_within_the_timeout_and_answers_the_rest_with_interrupted()
    {
        var quick = new TaskCompletionSource<IpcReply>();
        var forever = new TaskCompletionSource<IpcReply>();
        var running = 0;
        var server = await ListeningServer(
            request =>
            {
                Interlocked.Increment(ref running);
                return request.ParsePayload().GetProperty("which").GetString() == "quick" ? IpcResult.Pending(quick.Task) : IpcResult.Pending(forever.Task);
            },
            new IpcServerOptions { CloseTimeout = TimeSpan.FromSeconds(3) }); // generous: the quick handler must finish inside it even on a loaded machine
        var client = await ConnectedClient();
        var quickReply = client.SendAsync(JsonDocument.Parse("""{"which":"quick"}""").RootElement);
        var slowReply = client.SendAsync(JsonDocument.Parse("""{"which":"slow"}""").RootElement);

        // Both handlers must be running before the close (a line still unread at the close gets SHUTTING_DOWN instead).
        await Signals.WaitUntilAsync(() => Volatile.Read(ref running) == 2, "both handlers are running");

        var closing = server.CloseAsync();
        Assert.False(File.Exists(Socket), "Close stops accepting first.");
        quick.SetResult(IpcReply.FromJson("\"done\""u8.ToArray()));
        await closing;

        Assert.Equal("\"done\"", Ok(await quickReply).GetRawText());
        var interrupted = Assert.IsType<DaemonConnectionError.RemoteError>(Err(await slowReply));
        Assert.Equal(Option<string>.Some(IpcErrorCodes.Interrupted), interrupted.Code);
        Assert.True(interrupted.OutcomeUnknown, "The handler was running: its effect is unknown.");
        Assert.False(interrupted.IsSafeToRetry);
    }

    [Fact]
    public async Task Closing_and_listening_again_while_clients_come_and_go_never_throws()
    {
        var server = await ListeningServer();
        using var stop = new CancellationTokenSource();
        var churn = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await using var client = IpcClient.Create(Socket);
                if ((await client.ConnectAsync()).IsSuccess)
                    await client.SendAsync(JsonDocument.Parse("""{"type":"ping"}""").RootElement);
            }
        })).ToList();
        await Signals.WaitUntilAsync(() => server.ConnectionCount > 0, "clients are connected");

        for (var round = 0; round < 20; round++)
        {
            await server.CloseAsync();
            Ok(await server.ListenAsync());
        }

        stop.Cancel();
        await Task.WhenAll(churn);
    }

    [Fact]
    public async Task Another_user_is_refused_unless_the_server_allows_it()
    {
        await ListeningServer();
        File.SetUnixFileMode(Socket, (UnixFileMode)0b110_110_110); // let the file permissions through; the uid check must stop it
        File.SetUnixFileMode(Path.GetDirectoryName(Socket)!, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(_dir.Path, (UnixFileMode)0b111_101_101);

        var output = await RunAsNobody(Socket);

        Assert.Contains(IpcErrorCodes.PermissionDenied, output, StringComparison.Ordinal);
        Assert.DoesNotContain("pong", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Named_pipes_carry_the_same_protocol()
    {
        var pipe = $@"\\.\pipe\od-{Guid.NewGuid():N}";
        var server = await ListeningServer(path: pipe);
        var client = await ConnectedClient(path: pipe);

        Assert.Equal("through a pipe ✓", (await Send(client, """{"type":"echo","data":"through a pipe ✓"}""")).GetString());
        var many = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => client.SendAsync(JsonDocument.Parse($$"""{"type":"echo","data":{{i}}}""").RootElement)));
        Assert.Equal(Enumerable.Range(0, 100), many.Select(r => Ok(r).GetInt32()));

        client.Close();
        Ok(await client.ConnectAsync());
        await Send(client, """{"type":"ping"}""");
        await server.CloseAsync();
        Assert.IsType<DaemonConnectionError.ConnectionRefusedError>(Err(await IpcClient.Create(pipe).ConnectAsync()));
    }

    private static void LeaveStaleSocket(string path)
    {
        // A process that binds and exits without unlinking leaves the file behind, as a crashed daemon does.
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var python = Process.Start("/usr/bin/python3", ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", path])!;
        python.WaitForExit();
        Assert.Equal(0, python.ExitCode);
        Assert.True(File.Exists(path), "the stale socket file should exist");
    }

    private static async Task<string> RunAsNobody(string socketPath)
    {
        const string script = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX)
            s.settimeout(10)
            s.connect(sys.argv[1])
            try:
                s.sendall(b'{"id":"x","type":"request","payload":{"type":"ping"}}\n')
            except OSError:
                pass  # the server may already have hung up; its answer is still readable
            data = b''
            while True:
                try:
                    chunk = s.recv(4096)
                except OSError:
                    break
                if not chunk: break
                data += chunk
            print(data.decode())
            """;
        using var child = ChildProcess.Start("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", script, socketPath);
        var lines = new List<string>();
        try
        {
            while (true)
                lines.Add(await child.NextLineAsync());
        }
        catch (InvalidOperationException)
        {
            // stdout closed: the script finished
        }

        await child.WaitForExitAsync();
        return string.Join("\n", lines) + child.Stderr;
    }

    private static T Ok<T>(Result<T, DaemonConnectionError> result) =>
        result.Match(v => v, e => throw new Xunit.Sdk.XunitException($"Expected success, got {e}"));

    private static Done Ok(Result<Done, IpcListenError> result) =>
        result.Match(v => v, e => throw new Xunit.Sdk.XunitException($"Expected to listen, got {e}"));

    private static DaemonConnectionError Err<T>(Result<T, DaemonConnectionError> result) =>
        result.Match(v => throw new Xunit.Sdk.XunitException($"Expected an error, got {v}"), e => e);

    private static IpcListenError Err(Result<Done, IpcListenError> result) =>
        result.Match(_ => throw new Xunit.Sdk.XunitException("Expected a listen error"), e => e);
}
