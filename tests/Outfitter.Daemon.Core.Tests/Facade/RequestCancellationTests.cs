using System.Text;
using System.Threading.Tasks.Sources;
using LanguageExt;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Ipc;
using Outfitter.Daemon.Testing;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>
/// The per-request token behind <see cref="IpcRequest.Aborted"/> over fakes: made only for a handler that reads it (the
/// hot path stays allocation-free), and a token callback that throws on cancel does not break the connection.
/// </summary>
public sealed class RequestCancellationTests
{
    private const string Socket = "/run/test/cancel.sock";

    [Fact]
    public void Synchronous_ping_and_echo_that_never_read_their_token_allocate_nothing_per_request()
    {
        var router = new IpcRouter().MapBuiltins();

        Assert.Equal(0, AllocatedPerRequest(router.Handle, "ping"));
        Assert.Equal(0, AllocatedPerRequest(router.Handle, "echo"));
    }

    [Fact]
    public void A_handler_that_reads_its_token_gets_one_made_for_it_which_the_measurement_sees()
    {
        // Guards the test above: the same measurement does see what a token source costs.
        IpcRequestHandler reading = request => request.Aborted.IsCancellationRequested ? IpcResult.Error("cancelled") : IpcBuiltins.Echo(request);

        Assert.True(AllocatedPerRequest(reading, "echo") > 0);
    }

    [Fact]
    public async Task A_token_callback_that_throws_on_cancel_is_logged_and_the_connection_goes_on_without_a_reply()
    {
        var transport = new InMemoryTransport();
        var log = new RecordingLogger();
        await using var server = new IpcServer(Socket, new IpcServerOptions(), transport, new FakeOs().Start(4242), new FakeRuntimeEnvironment(), TimeProvider.System, log);
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource<IpcReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.OnRequest(new IpcRouter().MapBuiltins().Map("throwing", request =>
        {
            request.Aborted.Register(() =>
            {
                fired.TrySetResult();
                throw new InvalidOperationException("callback failed");
            });
            return IpcResult.Pending(release.Task);
        }).Handle);
        Assert.True((await server.ListenAsync()).IsSuccess);
        var client = (await transport.AsTransport().ConnectAsync(Socket, CancellationToken.None)).Match(c => c, f => throw new Xunit.Sdk.XunitException(f.ToString()));

        await client.WriteAsync(Encoding.UTF8.GetBytes("{\"id\":\"t\",\"type\":\"request\",\"payload\":{\"type\":\"throwing\"}}\n{\"id\":\"t\",\"type\":\"cancel\"}\n"), CancellationToken.None);
        await fired.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await WaitUntil(() => log.Entries.Any(e => e.Message.Contains("a callback registered on a cancelled request's token threw", StringComparison.Ordinal)), "the callback's failure is logged");
        release.SetResult(IpcReply.FromJson("\"late\""u8.ToArray()));
        await client.WriteAsync("{\"id\":\"p\",\"type\":\"request\",\"payload\":{\"type\":\"ping\"}}\n"u8.ToArray(), CancellationToken.None);

        Assert.Equal("{\"id\":\"p\",\"type\":\"response\",\"payload\":{\"pong\":true}}", await ReadLineAsync(client).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, server.Counters.Cancelled);
        await client.DisposeAsync();
    }

    /// <summary>
    /// Bytes allocated per request of <paramref name="type"/>: the difference between batches of 64 and of 32 requests,
    /// each read, handled and written with one read and one write. What a batch costs whatever its size (in a Debug build
    /// the compiler makes async state machines classes, allocated per call) cancels out.
    /// </summary>
    private static long AllocatedPerRequest(IpcRequestHandler handler, string type) =>
        (AllocatedPerBatch(handler, type, 64) - AllocatedPerBatch(handler, type, 32)) / 32;

    /// <summary>
    /// Bytes allocated on this thread per batch of <paramref name="count"/> requests through a real connection loop, run
    /// inline on this thread by a stream that completes every operation at once (as the server benchmark does).
    /// </summary>
    private static long AllocatedPerBatch(IpcRequestHandler handler, string type, int count)
    {
        var batch = new StringBuilder();
        for (var i = 0; i < count; i++)
            batch.Append($$$"""{"id":"{{{i + 100000}}}","type":"request","payload":{"type":"{{{type}}}","data":"{{{new string('x', 64)}}}"}}""").Append('\n');
        var stream = new InlineStream(Encoding.UTF8.GetBytes(batch.ToString()));
        var connection = new ServerConnection(stream, () => handler, IpcServerSettings.From(new IpcServerOptions()), TimeProvider.System);
        var loop = connection.RunAsync();
        try
        {
            for (var i = 0; i < 64; i++)
                stream.DeliverBatch(); // warm-up: the loop's state machine, pooled buffers, first-call paths
            Assert.True(stream.BytesWritten > count * 40, "every request was answered");
            const int Rounds = 100;
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < Rounds; i++)
                stream.DeliverBatch();
            return (GC.GetAllocatedBytesForCurrentThread() - before) / Rounds;
        }
        finally
        {
            stream.End();
            loop.GetAwaiter().GetResult();
        }
    }

    private static async Task<string> ReadLineAsync(IIpcStream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while ((await stream.ReadAsync(one, CancellationToken.None)).Count == 1)
        {
            if (one[0] == (byte)'\n')
                return Encoding.UTF8.GetString(bytes.ToArray());
            bytes.Add(one[0]);
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"Timed out waiting for {what}.");
            await Task.Delay(2);
        }
    }

    /// <summary>
    /// Hands the read loop one batch per <see cref="DeliverBatch"/>, inline on the caller's thread: the loop's idle
    /// zero-byte read stays pending until then, the batch is read, handled and written synchronously, and the loop is back
    /// at its idle read when the call returns.
    /// </summary>
    private sealed class InlineStream(byte[] batch) : IIpcStream, IValueTaskSource<StreamRead>
    {
        private ManualResetValueTaskSourceCore<StreamRead> _idle = new() { RunContinuationsAsynchronously = false };
        private bool _waiting;
        private bool _hasBatch;
        private bool _ended;

        public int BytesWritten { get; private set; }

        public Option<PeerCredentials> Peer => Option<PeerCredentials>.None;

        public void DeliverBatch()
        {
            Assert.True(_waiting, "the loop waits for data");
            _waiting = false;
            _hasBatch = true;
            _idle.SetResult(StreamRead.Received(0));
            Assert.True(_waiting, "the loop ran inline and is waiting again");
        }

        public void End()
        {
            _ended = true;
            if (_waiting)
                _idle.SetResult(StreamRead.EndOfStream);
        }

        public ValueTask<StreamRead> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            if (buffer.IsEmpty)
            {
                if (_ended)
                    return ValueTask.FromResult(StreamRead.EndOfStream);
                _idle.Reset();
                _waiting = true;
                return new ValueTask<StreamRead>(this, _idle.Version);
            }

            if (!_hasBatch)
                return ValueTask.FromResult(StreamRead.EndOfStream);
            _hasBatch = false;
            batch.CopyTo(buffer.Span);
            return ValueTask.FromResult(StreamRead.Received(batch.Length));
        }

        public ValueTask<StreamWrite> WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            BytesWritten = data.Length;
            return ValueTask.FromResult(StreamWrite.Written);
        }

        public void ShutdownWrite()
        {
        }

        public bool ShutdownRead() => true;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        public StreamRead GetResult(short token) => _idle.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _idle.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _idle.OnCompleted(continuation, state, token, flags);
    }
}
