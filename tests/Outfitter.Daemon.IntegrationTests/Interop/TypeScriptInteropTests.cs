using System.Globalization;
using System.Text;
using System.Text.Json;
using LanguageExt;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Interop;

/// <summary>
/// Wire and lock-file compatibility with the real reference package (@outfitter/daemon 0.2.6 under Bun), in both
/// directions: our client against their server, their client against our server, and locks taken by either side.
/// The TypeScript peers are the scripts in tests/interop/ts/ (installed by <see cref="TypeScriptPeers"/>).
/// </summary>
/// <remarks>
/// Payloads larger than one socket buffer (~208 KiB on Linux) and multi-byte characters in large payloads are avoided on
/// purpose: the reference writes with a single non-blocking <c>socket.write</c> (the rest is dropped) and decodes every
/// read chunk on its own (a character split across chunks becomes U+FFFD). Those are reference defects, not ours.
/// </remarks>
public sealed class TypeScriptInteropTests : IClassFixture<TypeScriptPeers>, IDisposable
{
    private const string Nested = """{"text":"héllo ✓ 😀","list":[1,2.5,-3,true,false,null],"inner":{"ключ":"值","empty":{},"none":[]}}""";
    private static readonly string Big100KiB = string.Concat(Enumerable.Repeat("0123456789abcdef", 100 * 1024 / 16));

    private readonly TypeScriptPeers _peers;
    private readonly TempDir _dir = new();
    private readonly List<ChildProcess> _children = [];

    public TypeScriptInteropTests(TypeScriptPeers peers) => _peers = peers;

    public void Dispose()
    {
        foreach (var child in _children)
            child.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task Our_client_is_understood_by_the_reference_server()
    {
        var socket = await StartReferenceServerAsync();
        await using var client = IpcClient.Create(socket);
        Right(await client.ConnectAsync());

        AssertJson("""{"pong":true}""", Right(await client.SendAsync(Json("""{"type":"ping"}"""))));

        // Through the JsonElement API, and as raw unescaped UTF-8 bytes (the reference replies unescaped, too).
        AssertJson(Nested, Right(await client.SendAsync(Json($$"""{"type":"echo","data":{{Nested}}}"""))));
        var raw = Right(await client.SendRawAsync(Encoding.UTF8.GetBytes($$"""{"type":"echo","data":{{Nested}}}""")));
        Assert.Contains("héllo ✓ 😀", Encoding.UTF8.GetString(raw.Span), StringComparison.Ordinal);
        AssertJson(Nested, JsonDocument.Parse(raw).RootElement);

        var big = Right(await client.SendAsync(Json($$"""{"type":"echo","data":"{{Big100KiB}}"}""")));
        Assert.Equal(JsonValueKind.String, big.ValueKind);
        Assert.Equal(Big100KiB, big.GetString());

        // The reference drops "payload" when its handler returns undefined: we read that as JSON null.
        Assert.Equal(JsonValueKind.Null, Right(await client.SendAsync(Json("""{"type":"nothing"}"""))).ValueKind);

        var failed = Left(await client.SendAsync(Json("""{"type":"fail"}""")));
        var remote = Assert.IsType<DaemonConnectionError.RemoteError>(failed);
        Assert.Equal("boom", remote.RemoteMessage);
        Assert.Equal(Option<string>.None, remote.Code);

        // An error reply leaves the connection usable.
        AssertJson("""{"pong":true}""", Right(await client.SendAsync(Json("""{"type":"ping"}"""))));
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task Requests_carrying_a_trace_context_are_answered_by_the_reference_server_which_ignores_it()
    {
        var socket = await StartReferenceServerAsync();
        var sourceName = "interop-trace-" + Guid.NewGuid().ToString("N");
        using var source = new System.Diagnostics.ActivitySource(sourceName);
        System.Diagnostics.ActivityTraceId? trace = null;
        using var capture = new ActivityCapture(a => a.TraceId == trace && a.Kind == System.Diagnostics.ActivityKind.Client, sourceName);
        await using var client = IpcClient.Create(socket);
        Right(await client.ConnectAsync());

        using (var caller = source.StartActivity("caller")!)
        {
            caller.TraceStateString = "vendor=abc";
            trace = caller.TraceId;
            Assert.NotNull(System.Diagnostics.Activity.Current);

            // Our client adds traceparent and tracestate beside id, type and payload; the reference reads only those.
            AssertJson("""{"pong":true}""", Right(await client.SendAsync(Json("""{"type":"ping"}"""))));
            AssertJson(Nested, Right(await client.SendAsync(Json($$"""{"type":"echo","data":{{Nested}}}"""))));
            var failed = Assert.IsType<DaemonConnectionError.RemoteError>(Left(await client.SendAsync(Json("""{"type":"fail"}"""))));
            Assert.Equal("boom", failed.RemoteMessage);
        }

        // Written by hand: the members in another order, and a malformed traceparent, are ignored the same way.
        using var raw = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        await raw.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(socket));
        await using var stream = new System.Net.Sockets.NetworkStream(raw, ownsSocket: false);
        var lines = "{\"traceparent\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\",\"id\":\"7\",\"type\":\"request\",\"payload\":{\"type\":\"ping\"}}\n"
            + "{\"id\":\"8\",\"type\":\"request\",\"payload\":{\"type\":\"ping\"},\"traceparent\":\"not a traceparent\",\"tracestate\":\"x\"}\n";
        await stream.WriteAsync(Encoding.UTF8.GetBytes(lines));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var replies = new[] { await reader.ReadLineAsync(cts.Token), await reader.ReadLineAsync(cts.Token) };
        foreach (var (line, id) in replies.Zip(new[] { "7", "8" }))
        {
            using var reply = JsonDocument.Parse(line!);
            Assert.Equal(id, reply.RootElement.GetProperty("id").GetString());
            Assert.Equal("response", reply.RootElement.GetProperty("type").GetString());
            AssertJson("""{"pong":true}""", reply.RootElement.GetProperty("payload"));
        }

        // The client spans were made and ended with the replies, the reference's ignorance notwithstanding.
        await capture.WaitUntilAsync(s => s.Count == 3, "three client spans in the caller's trace");
    }

    [Fact]
    public async Task Fifty_concurrent_requests_to_the_reference_server_each_get_their_own_reply()
    {
        var socket = await StartReferenceServerAsync();
        await using var client = IpcClient.Create(socket);
        Right(await client.ConnectAsync());

        // Half are delayed by varying amounts, so the reference answers out of order and only ids can match them.
        var requests = Enumerable.Range(0, 50).Select(i =>
        {
            var data = $$"""{"i":{{i}},"s":"n{{i}} ✓"}""";
            return i % 2 == 0
                ? $$"""{"type":"delay","ms":{{(50 - i) % 17}},"data":{{data}}}"""
                : $$"""{"type":"echo","data":{{data}}}""";
        }).ToArray();

        var replies = await Task.WhenAll(requests.Select(r => client.SendAsync(Json(r))));

        for (var i = 0; i < replies.Length; i++)
            AssertJson($$"""{"i":{{i}},"s":"n{{i}} ✓"}""", Right(replies[i]));
    }

    [Fact]
    public async Task When_the_reference_server_is_killed_pending_and_later_requests_fail_as_closed()
    {
        var socket = _dir.Combine("ts.sock");
        var server = Track(_peers.Start("ts-server.ts", socket));
        Assert.Equal($"READY {socket}", await server.NextLineAsync());

        // No request timeout: only noticing the closed connection can end the pending request.
        await using var client = IpcClient.Create(socket, new IpcClientOptions { RequestTimeout = Timeout.InfiniteTimeSpan });
        Right(await client.ConnectAsync());
        var pending = client.SendAsync(Json("""{"type":"hang"}"""));

        // The reference reads a connection's lines in order, so once ping (sent after "hang") is answered, "hang" is pending.
        AssertJson("""{"pong":true}""", Right(await client.SendAsync(Json("""{"type":"ping"}"""))));
        Assert.False(pending.IsCompleted, "the reference never answers \"hang\"");

        await server.KillAsync();

        var error = Left(await pending.WaitAsync(ChildProcess.DefaultDeadline));
        Assert.IsType<DaemonConnectionError.ConnectionClosedError>(error);
        var next = Left(await client.SendAsync(Json("""{"type":"ping"}""")).WaitAsync(ChildProcess.DefaultDeadline));
        Assert.IsType<DaemonConnectionError.ConnectionClosedError>(next);
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task The_reference_client_is_understood_by_our_server()
    {
        var socket = _dir.Combine("net.sock");
        var ours = Track(ChildProcess.StartDotnet(Artifacts.ToolDll, "run", "--socket", socket));
        Assert.Equal($"READY {socket}", await ours.NextLineAsync());

        var theirs = Track(_peers.Start("ts-client.ts", socket));
        var line = await theirs.NextLineAsync();
        var exit = await theirs.WaitForExitAsync();
        Assert.True(exit == 0, $"ts-client.ts exited with {exit}.\nstdout: {line}\nstderr: {theirs.Stderr}\nour server's stderr: {ours.Stderr}");

        using var results = JsonDocument.Parse(line);
        var root = results.RootElement;
        Assert.Equal(0, root.GetProperty("problems").GetArrayLength());
        AssertJson("""{"pong":true}""", root.GetProperty("ping"));
        AssertJson(Nested, root.GetProperty("echoNested"));
        Assert.Equal(100 * 1024, root.GetProperty("bigLength").GetInt32());
        Assert.Equal(20, root.GetProperty("concurrentOk").GetInt32());
        var unknown = root.GetProperty("unknownError").GetString();
        Assert.StartsWith("Unknown request type \"no-such-type\"", unknown, StringComparison.Ordinal);
        AssertJson("""{"pong":true}""", root.GetProperty("pingAfterError"));

        // Their client's abrupt close (terminate) did not disturb our server: it still stops cleanly.
        Signals.Send(ours.Pid, Signals.SIGTERM);
        Assert.Equal(0, await ours.WaitForExitAsync());
    }

    [Fact]
    public async Task A_lock_taken_by_the_reference_is_honoured_and_reclaimed_once_its_owner_dies()
    {
        var lockPath = _dir.Combine("daemon.lock");
        var owner = Track(_peers.Start("ts-lock.ts", lockPath));
        Assert.Equal($"LOCKED {owner.Pid}", await owner.NextLineAsync());
        var written = File.ReadAllText(lockPath);
        Assert.Equal($"{owner.Pid}\n", written);

        Assert.Equal((int?)owner.Pid, await DaemonLock.ReadLockPidAsync(lockPath));
        Assert.True(await DaemonLock.IsDaemonAliveAsync(lockPath));
        var refused = Left(await DaemonLock.AcquireAsync(lockPath));
        Assert.Equal(LockErrorCode.AlreadyLocked, refused.Code);
        Assert.Equal((int?)(owner.Pid), refused.Pid);
        Assert.Contains(owner.Pid.ToString(CultureInfo.InvariantCulture), refused.Message, StringComparison.Ordinal);
        Assert.Equal(written, File.ReadAllText(lockPath)); // a refusal leaves the owner's file alone

        var ownerPid = owner.Pid;
        await owner.KillAsync();
        Assert.False(await DaemonLock.IsDaemonAliveAsync(lockPath));

        using var handle = Right(await DaemonLock.AcquireAsync(lockPath));
        Assert.Equal(Environment.ProcessId, handle.Pid);
        var reclaimed = Assert.IsType<LockAcquisition.ReclaimedStale>(handle.Acquisition);
        Assert.Equal(ownerPid, reclaimed.StalePid);
        Assert.StartsWith($"{Environment.ProcessId}\n", File.ReadAllText(lockPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lock_taken_by_us_is_honoured_by_the_reference_until_we_release_it()
    {
        var lockPath = _dir.Combine("daemon.lock");
        using var handle = Right(await DaemonLock.AcquireAsync(lockPath));

        // The reference reads our two-line format (PID, start time) with parseInt, which stops at the newline.
        var refused = Track(_peers.Start("ts-lock.ts", lockPath));
        Assert.Equal($"REFUSED Daemon already running with PID {Environment.ProcessId}", await refused.NextLineAsync());
        Assert.Equal(1, await refused.WaitForExitAsync());

        Right(await DaemonLock.ReleaseAsync(handle));
        var owner = Track(_peers.Start("ts-lock.ts", lockPath));
        Assert.Equal($"LOCKED {owner.Pid}", await owner.NextLineAsync());

        // Their release on SIGTERM deletes the file because it still names them.
        Signals.Send(owner.Pid, Signals.SIGTERM);
        Assert.Equal(0, await owner.WaitForExitAsync());
        Assert.False(File.Exists(lockPath));
    }

    private async Task<string> StartReferenceServerAsync()
    {
        var socket = _dir.Combine("ts.sock");
        var server = Track(_peers.Start("ts-server.ts", socket));
        Assert.Equal($"READY {socket}", await server.NextLineAsync());
        return socket;
    }

    private ChildProcess Track(ChildProcess child)
    {
        _children.Add(child);
        return child;
    }

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static void AssertJson(string expected, JsonElement actual) =>
        Assert.True(JsonElement.DeepEquals(Json(expected), actual), $"Expected {expected}\nbut got {Shorten(actual.GetRawText())}");

    private static string Shorten(string s) => s.Length <= 400 ? s : s[..400] + "…";

    private static T Right<T>(Result<T, DaemonConnectionError> result) =>
        result.Match(value => value, error => throw new Xunit.Sdk.XunitException($"Expected success, got {error}"));

    private static DaemonConnectionError Left<T>(Result<T, DaemonConnectionError> result) =>
        result.Match(value => throw new Xunit.Sdk.XunitException($"Expected a failure, got {value}"), error => error);

    private static T Right<T>(Result<T, LockError> result) =>
        result.Match(value => value, error => throw new Xunit.Sdk.XunitException($"Expected success, got {error}"));

    private static LockError Left<T>(Result<T, LockError> result) =>
        result.Match(value => throw new Xunit.Sdk.XunitException($"Expected a failure, got {value}"), error => error);

    private static T Right<T>(Either<LockError, T> result) =>
        result.Match(value => value, error => throw new Xunit.Sdk.XunitException($"Expected success, got {error}"));

    private static LockError Left<T>(Either<LockError, T> result) =>
        result.Match(value => throw new Xunit.Sdk.XunitException($"Expected a failure, got {value}"), error => error);

    [Fact]
    public async Task Our_client_cancelling_a_request_to_the_reference_server_gets_RequestCancelledError_and_the_connection_keeps_answering()
    {
        var socket = await StartReferenceServerAsync();
        await using var client = IpcClient.Create(socket, new IpcClientOptions { RequestTimeout = Timeout.InfiniteTimeSpan });
        Right(await client.ConnectAsync());
        using var cancel = new CancellationTokenSource();
        var pending = client.SendAsync(Json("""{"type":"hang"}"""), cancel.Token);

        // The reference reads a connection's lines in order, so once ping (sent after "hang") is answered, "hang" is pending.
        AssertJson("""{"pong":true}""", Right(await client.SendAsync(Json("""{"type":"ping"}"""))));
        cancel.Cancel();

        var error = Assert.IsType<DaemonConnectionError.RequestCancelledError>(Left(await pending.WaitAsync(ChildProcess.DefaultDeadline)));
        Assert.True(error.RequestSent);
        Assert.True(error.OutcomeUnknown);

        // The cancel line went out before this request (both take the connection's write lock): the reference ignored it.
        AssertJson("""{"pong":true}""", Right(await client.SendAsync(Json("""{"type":"ping"}"""))));
        AssertJson(Nested, Right(await client.SendAsync(Json($$"""{"type":"echo","data":{{Nested}}}"""))));
        Assert.True(client.IsConnected);

        // Byte for byte: the reference writes nothing for a cancel line, so the next line it writes answers the next request.
        using var raw = await RawClient.ConnectAsync(socket);
        await raw.SendAsync("{\"id\":\"h\",\"type\":\"request\",\"payload\":{\"type\":\"hang\"}}\n{\"id\":\"h\",\"type\":\"cancel\"}\n{\"id\":\"p\",\"type\":\"request\",\"payload\":{\"type\":\"ping\"}}\n");
        var next = JsonDocument.Parse((await raw.ReadLineAsync())!).RootElement;
        Assert.Equal("p", next.GetProperty("id").GetString());
        Assert.Equal("response", next.GetProperty("type").GetString());
    }
}
