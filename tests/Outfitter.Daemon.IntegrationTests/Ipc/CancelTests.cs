using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Hosting;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Ipc;

/// <summary>
/// Protocol 2's <c>cancel</c> over real Unix sockets: raw lines against <see cref="IpcServer"/> (the handler's token
/// fires, no reply is written, the connection goes on), and <see cref="IpcClient"/> cancelling or timing out.
/// </summary>
public sealed class CancelTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = ChildProcess.DefaultDeadline;
    private readonly TempDir _dir = new();
    private readonly List<IAsyncDisposable> _cleanup = [];
    private readonly Handlers _handlers = new();

    private string Socket => _dir.Combine("run", "daemon.sock");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _handlers.ReleaseAll();
        foreach (var item in _cleanup)
            await item.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_cancel_fires_the_handlers_token_writes_no_reply_for_it_and_frees_its_slot()
    {
        // One request at a time: the next async request can run only once the cancelled handler returned, and by then
        // any reply to it would have been written; the next line being that request's reply shows there was none.
        var server = await ListeningServer(new IpcServerOptions { MaxConcurrentRequestsPerConnection = 1 });
        using var raw = await RawClient.ConnectAsync(Socket);

        await raw.SendAsync(Request("w1", "hold"));
        await _handlers.Started("w1").WaitAsync(Deadline);
        await raw.SendAsync(Cancel("w1"));
        await _handlers.TokenFired("w1").WaitAsync(Deadline);

        await raw.SendAsync(Request("s1", "soon"));
        Assert.Equal("""{"id":"s1","type":"response","payload":"soon"}""", await raw.ReadLineAsync());
        await raw.SendAsync(Request("p1", "ping"));
        Assert.Equal("""{"id":"p1","type":"response","payload":{"pong":true}}""", await raw.ReadLineAsync());

        var counters = server.Counters;
        Assert.Equal(1, counters.Cancelled);
        Assert.Equal(2, counters.Requests); // a cancelled request is not an answered one
        Assert.Equal(0, counters.Errors);
        Assert.Equal(0, counters.InFlight);
    }

    [Fact]
    public async Task A_cancel_reaches_a_handler_holding_the_last_slot_and_its_late_result_is_dropped_even_if_it_ignores_the_token()
    {
        // The handler ignores its token and keeps its slot until it returns; the cancel is still read (a request at the
        // limit would wait), and what the handler returns afterwards is dropped.
        await ListeningServer(new IpcServerOptions { MaxConcurrentRequestsPerConnection = 1 });
        using var raw = await RawClient.ConnectAsync(Socket);

        await raw.SendAsync(Request("i1", "stubborn"));
        await _handlers.Started("i1").WaitAsync(Deadline);
        await raw.SendAsync(Cancel("i1"));
        await _handlers.TokenFired("i1").WaitAsync(Deadline);
        await raw.SendAsync(Request("p1", "ping"));
        _handlers.Release("i1"); // returns "late" now, after the cancel

        Assert.Equal("""{"id":"p1","type":"response","payload":{"pong":true}}""", await raw.ReadLineAsync());
    }

    [Fact]
    public async Task A_cancel_for_an_id_nothing_is_pending_for_gets_no_reply_and_the_connection_keeps_working()
    {
        var server = await ListeningServer();
        using var raw = await RawClient.ConnectAsync(Socket);

        // Unknown.
        await raw.SendAsync(Cancel("nobody"));

        // Answered at once by a synchronous handler (one that read its token, so its token source existed), then cancelled.
        await raw.SendAsync(Request("e1", "token-sync"));
        Assert.Equal("""{"id":"e1","type":"response","payload":"sync"}""", await raw.ReadLineAsync());
        await raw.SendAsync(Cancel("e1"));

        // Answered later by an asynchronous handler, then cancelled.
        await raw.SendAsync(Request("s1", "soon"));
        Assert.Equal("""{"id":"s1","type":"response","payload":"soon"}""", await raw.ReadLineAsync());
        await raw.SendAsync(Cancel("s1"));

        await raw.SendAsync(Request("p1", "ping"));
        Assert.Equal("""{"id":"p1","type":"response","payload":{"pong":true}}""", await raw.ReadLineAsync());
        Assert.Equal(0, server.Counters.Cancelled);
        Assert.Equal(0, server.Counters.ProtocolErrors);
    }

    [Fact]
    public async Task A_cancel_without_a_string_id_is_a_malformed_line_answered_with_a_protocol_error()
    {
        await ListeningServer();
        using var raw = await RawClient.ConnectAsync(Socket);

        await raw.SendAsync("{\"id\":5,\"type\":\"cancel\"}\n");
        var reply = JsonDocument.Parse((await raw.ReadLineAsync())!).RootElement;

        Assert.Equal("5", reply.GetProperty("id").GetRawText());
        Assert.Equal(IpcErrorCodes.ProtocolError, reply.GetProperty("payload").GetProperty("code").GetString());
        await raw.SendAsync(Request("p1", "ping"));
        Assert.Equal("""{"id":"p1","type":"response","payload":{"pong":true}}""", await raw.ReadLineAsync());
    }

    [Fact]
    public async Task Ids_match_as_json_strings_and_a_cancel_reaches_every_request_in_flight_with_that_id()
    {
        var server = await ListeningServer();
        using var raw = await RawClient.ConnectAsync(Socket);

        // Written with an escape in the request and plainly in the cancel: the same string.
        await raw.SendAsync("{\"id\":\"\\u0065sc\",\"type\":\"request\",\"payload\":{\"type\":\"hold\",\"key\":\"esc\"}}\n");
        await _handlers.Started("esc").WaitAsync(Deadline);
        await raw.SendAsync(Cancel("esc"));
        await _handlers.TokenFired("esc").WaitAsync(Deadline);

        // A client that reuses an id for two requests in flight cannot tell their replies apart: both are cancelled.
        await raw.SendAsync(Request("dup", "hold", key: "dup-a") + Request("dup", "hold", key: "dup-b"));
        await Task.WhenAll(_handlers.Started("dup-a"), _handlers.Started("dup-b")).WaitAsync(Deadline);
        await raw.SendAsync(Cancel("dup"));
        await Task.WhenAll(_handlers.TokenFired("dup-a"), _handlers.TokenFired("dup-b")).WaitAsync(Deadline);

        await raw.SendAsync(Request("p1", "ping"));
        Assert.Equal("""{"id":"p1","type":"response","payload":{"pong":true}}""", await raw.ReadLineAsync());
        Assert.Equal(3, server.Counters.Cancelled);
    }

    [Fact]
    public async Task A_cancel_read_while_the_server_stops_is_honoured_and_its_request_gets_no_reply_not_even_interrupted()
    {
        // One slot, held by h1: q1 waits at the head of the buffer and the cancel behind it, so both are read only once
        // the server stops. q1 is refused as not executed; the cancel still reaches h1, which then gets no reply at all.
        var server = await ListeningServer(new IpcServerOptions { MaxConcurrentRequestsPerConnection = 1 });
        using var raw = await RawClient.ConnectAsync(Socket);
        await raw.SendAsync(Request("h1", "hold"));
        await _handlers.Started("h1").WaitAsync(Deadline);
        await raw.SendAsync(Request("q1", "ping") + Cancel("h1"));

        await server.CloseAsync().WaitAsync(Deadline);

        await _handlers.TokenFired("h1").WaitAsync(Deadline);
        var lines = new List<string>();
        while (await raw.ReadLineAsync() is { } line)
            lines.Add(line);
        var only = JsonDocument.Parse(Assert.Single(lines)).RootElement;
        Assert.Equal("q1", only.GetProperty("id").GetString());
        Assert.Equal(IpcErrorCodes.ShuttingDown, only.GetProperty("payload").GetProperty("code").GetString());
        Assert.Equal(1, server.Counters.Cancelled);
    }

    [Fact]
    public async Task A_handlers_token_still_fires_when_its_connection_drops()
    {
        await ListeningServer();
        var raw = await RawClient.ConnectAsync(Socket);
        await raw.SendAsync(Request("h1", "hold"));
        await _handlers.Started("h1").WaitAsync(Deadline);

        raw.Dispose();

        await _handlers.TokenFired("h1").WaitAsync(Deadline);
    }

    [Fact]
    public async Task A_caller_cancelling_a_request_gets_RequestCancelledError_and_the_servers_handler_its_cancelled_token()
    {
        var server = await ListeningServer();
        await using var client = IpcClient.Create(Socket, new IpcClientOptions { RequestTimeout = Timeout.InfiniteTimeSpan });
        Assert.True((await client.ConnectAsync()).IsSuccess);
        using var cancel = new CancellationTokenSource();

        var sending = client.SendRawAsync("""{"type":"hold","key":"c1"}"""u8.ToArray(), cancel.Token);
        await _handlers.Started("c1").WaitAsync(Deadline);
        cancel.Cancel();

        var error = Assert.IsType<DaemonConnectionError.RequestCancelledError>(Error(await sending.WaitAsync(Deadline)));
        Assert.True(error.RequestSent);
        Assert.True(error.OutcomeUnknown);
        Assert.False(error.IsSafeToRetry);
        Assert.Equal("RequestCancelledError", error.Tag);
        await _handlers.TokenFired("c1").WaitAsync(Deadline);

        // The connection goes on; the cancel went out before this request, so the server has counted it by its reply.
        Assert.True((await client.SendRawAsync("""{"type":"ping"}"""u8.ToArray())).IsSuccess);
        Assert.True(client.IsConnected);
        Assert.Equal(1, server.Counters.Cancelled);
    }

    [Fact]
    public async Task A_request_timeout_gives_ConnectionTimeoutError_and_cancels_the_handler_on_the_server()
    {
        await ListeningServer();
        await using var client = IpcClient.Create(Socket, new IpcClientOptions { RequestTimeout = TimeSpan.FromMilliseconds(300) });
        Assert.True((await client.ConnectAsync()).IsSuccess);

        var error = Assert.IsType<DaemonConnectionError.ConnectionTimeoutError>(Error(await client.SendRawAsync("""{"type":"hold","key":"t1"}"""u8.ToArray())));

        Assert.True(error.RequestSent);
        Assert.Equal(300, error.TimeoutMs);
        await _handlers.TokenFired("t1").WaitAsync(Deadline);
        Assert.True((await client.SendRawAsync("""{"type":"ping"}"""u8.ToArray())).IsSuccess);
    }

    [Fact]
    public async Task A_request_cancelled_before_it_is_sent_is_never_written_and_safe_to_retry()
    {
        await ListeningServer();
        await using var client = IpcClient.Create(Socket);
        Assert.True((await client.ConnectAsync()).IsSuccess);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        var error = Assert.IsType<DaemonConnectionError.RequestCancelledError>(Error(await client.SendRawAsync("""{"type":"hold","key":"never"}"""u8.ToArray(), cancelled.Token)));

        Assert.False(error.RequestSent);
        Assert.True(error.IsSafeToRetry);
        Assert.True((await client.SendRawAsync("""{"type":"ping"}"""u8.ToArray())).IsSuccess);
        Assert.False(_handlers.Started("never").IsCompleted); // ping was answered after it: "never" was not sent before it
    }

    [Fact]
    public async Task A_daemon_hosts_status_counts_cancelled_requests()
    {
        await using var host = DaemonHost.Create(new DaemonHostOptions
        {
            Name = "cancels",
            SocketPath = _dir.Combine("h.sock"),
            LockPath = _dir.Combine("h.lock"),
            HandleSignals = false,
            ExitOnSignal = false,
        });
        host.Router.Map("hold", _handlers.Handle);
        Assert.True((await host.StartAsync()).IsSuccess);
        await using var client = IpcClient.Create(host.SocketPath);
        Assert.True((await client.ConnectAsync()).IsSuccess);
        using var cancel = new CancellationTokenSource();

        var sending = client.SendRawAsync("""{"type":"hold","key":"st"}"""u8.ToArray(), cancel.Token);
        await _handlers.Started("st").WaitAsync(Deadline);
        cancel.Cancel();
        Assert.IsType<DaemonConnectionError.RequestCancelledError>(Error(await sending.WaitAsync(Deadline)));
        await _handlers.TokenFired("st").WaitAsync(Deadline);

        var status = await client.SendRawAsync("""{"type":"status"}"""u8.ToArray());
        Assert.True(status.TryGetValue(out var json, out var failure), failure?.Message);
        var counters = JsonDocument.Parse(json).RootElement;
        Assert.Equal(1, counters.GetProperty("cancelled").GetInt64());
        Assert.Equal(0, counters.GetProperty("inFlight").GetInt64());
    }

    private async Task<IpcServer> ListeningServer(IpcServerOptions? options = null)
    {
        var server = IpcServer.Create(Socket, options);
        _cleanup.Add(server);
        server.OnRequest(new IpcRouter().MapBuiltins()
            .Map("hold", _handlers.Handle)
            .Map("stubborn", _handlers.Handle)
            .Map("soon", _ => IpcResult.Pending(SoonAsync()))
            .Map("token-sync", request =>
            {
                // Reads its token (so the request's token source is made), answers at once.
                Assert.False(request.Aborted.IsCancellationRequested);
                request.Result.Write("\"sync\""u8);
                return IpcResult.Written;
            })
            .Handle);
        Assert.True((await server.ListenAsync()).IsSuccess);
        return server;
    }

    private static async Task<IpcReply> SoonAsync()
    {
        await Task.Yield();
        return IpcReply.FromJson("\"soon\""u8.ToArray());
    }

    private static string Request(string id, string type, string? key = null) =>
        $$$"""{"id":"{{{id}}}","type":"request","payload":{"type":"{{{type}}}","key":"{{{key ?? id}}}"}}""" + "\n";

    private static string Cancel(string id) => $$"""{"id":"{{id}}","type":"cancel"}""" + "\n";

    private static DaemonConnectionError Error<T>(Result<T, DaemonConnectionError> result) =>
        result.Match(v => throw new Xunit.Sdk.XunitException($"Expected an error, got {v}"), e => e);

    /// <summary>
    /// Handlers keyed by <c>payload.key</c>: <c>hold</c> waits for its token, then returns "late" (which must never reach
    /// the client); <c>stubborn</c> ignores its token (it only notes it fired) and returns "late" when released.
    /// </summary>
    private sealed class Handlers
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _started = new();
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _tokenFired = new();
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _released = new();

        public Task Started(string key) => Signal(_started, key).Task;

        public Task TokenFired(string key) => Signal(_tokenFired, key).Task;

        public void Release(string key) => Signal(_released, key).TrySetResult();

        public void ReleaseAll()
        {
            foreach (var release in _released.Values)
                release.TrySetResult();
        }

        public IpcResult Handle(IpcRequest request)
        {
            var payload = request.ParsePayload();
            var key = payload.GetProperty("key").GetString()!;
            var stubborn = payload.GetProperty("type").GetString() == "stubborn";
            return IpcResult.Pending(stubborn ? StubbornAsync(key, request.Aborted) : HoldAsync(key, request.Aborted));
        }

        private async Task<IpcReply> HoldAsync(string key, CancellationToken token)
        {
            Signal(_started, key).TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            catch (OperationCanceledException)
            {
                Signal(_tokenFired, key).TrySetResult();
            }

            return IpcReply.FromJson("\"late\""u8.ToArray());
        }

        private async Task<IpcReply> StubbornAsync(string key, CancellationToken token)
        {
            using var registration = token.Register(() => Signal(_tokenFired, key).TrySetResult());
            Signal(_started, key).TrySetResult();
            await Signal(_released, key).Task;
            return IpcReply.FromJson("\"late\""u8.ToArray());
        }

        private static TaskCompletionSource Signal(ConcurrentDictionary<string, TaskCompletionSource> signals, string key) =>
            signals.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }
}
