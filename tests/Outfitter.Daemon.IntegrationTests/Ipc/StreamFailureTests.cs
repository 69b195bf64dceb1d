using System.Net.Sockets;
using LanguageExt;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Ipc;

/// <summary>
/// The real stream adapters (through the composition root) report broken connections as values, never as socket
/// exceptions: a reset, a peer that closed, a stream closed on this side.
/// </summary>
public sealed class StreamFailureTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TempDir _dir = new();
    private IIpcListener? _listener;

    private string Socket => _dir.Combine("s.sock");

    private static IIpcTransport Transport => OsPorts.Current.Transport;

    public Task InitializeAsync()
    {
        _listener = Transport.Listen(Socket, 16).Match(l => l, e => throw new Xunit.Sdk.XunitException(e.Message));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_listener is not null)
            await _listener.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<(RawClient Client, IIpcStream Server)> ConnectAsync()
    {
        var client = await RawClient.ConnectAsync(Socket);
        var server = Accepted(await _listener!.AcceptAsync(CancellationToken.None).AsTask().WaitAsync(Deadline));
        return (client, server);
    }

    private static IIpcStream Accepted(Either<AcceptFailure, IIpcStream> accepted) =>
        accepted.Match(s => s, f => throw new Xunit.Sdk.XunitException($"Accept failed: {f}"));

    [Fact]
    public async Task Accepting_on_a_disposed_listener_is_the_stopped_value_not_an_exception()
    {
        await _listener!.DisposeAsync();

        var accepted = await _listener.AcceptAsync(CancellationToken.None).AsTask().WaitAsync(Deadline);

        Assert.Equal(new AcceptFailure.Stopped(), accepted.MatchUnsafe<AcceptFailure?>(_ => null, f => f));
    }

    [Fact]
    public async Task A_pending_accept_whose_token_is_cancelled_is_the_stopped_value_not_an_exception()
    {
        using var cancel = new CancellationTokenSource();
        var accepting = _listener!.AcceptAsync(cancel.Token).AsTask();
        Assert.False(accepting.IsCompleted, "Nobody connected: the accept waits.");

        cancel.Cancel();
        var accepted = await accepting.WaitAsync(Deadline);

        Assert.Equal(new AcceptFailure.Stopped(), accepted.MatchUnsafe<AcceptFailure?>(_ => null, f => f));

        // The listener still listens: a cancelled accept is not a closed listener.
        using var client = await RawClient.ConnectAsync(Socket);
        await using var server = Accepted(await _listener.AcceptAsync(CancellationToken.None).AsTask().WaitAsync(Deadline));
    }

    [Fact]
    public async Task A_pending_accept_whose_listener_is_disposed_meanwhile_is_the_stopped_value_not_an_exception()
    {
        var accepting = _listener!.AcceptAsync(CancellationToken.None).AsTask();
        Assert.False(accepting.IsCompleted, "Nobody connected: the accept waits.");

        await _listener.DisposeAsync();
        var accepted = await accepting.WaitAsync(Deadline);

        Assert.Equal(new AcceptFailure.Stopped(), accepted.MatchUnsafe<AcceptFailure?>(_ => null, f => f));
    }

    [Fact]
    public async Task A_read_after_the_peer_reset_the_connection_is_a_reset_value()
    {
        var (client, server) = await ConnectAsync();
        await using var _ = server;

        // The client closes with our bytes unread: the kernel resets the connection (ECONNRESET for our next read).
        Assert.True((await server.WriteAsync("unread\n"u8.ToArray(), CancellationToken.None)).IsWritten);
        await Task.Delay(50);
        client.Dispose();

        var read = await server.ReadAsync(new byte[64], CancellationToken.None).AsTask().WaitAsync(Deadline);

        Assert.Equal(StreamRead.Failed(StreamFailure.Reset), read);
    }

    [Fact]
    public async Task A_read_after_the_peer_closed_cleanly_is_the_end_of_the_stream()
    {
        var (client, server) = await ConnectAsync();
        await using var _ = server;
        await client.SendAsync("last\n");
        client.Socket.Shutdown(SocketShutdown.Send);

        var buffer = new byte[64];
        Assert.Equal(StreamRead.Received(5), await server.ReadAsync(buffer, CancellationToken.None).AsTask().WaitAsync(Deadline));
        Assert.Equal(StreamRead.EndOfStream, await server.ReadAsync(buffer, CancellationToken.None).AsTask().WaitAsync(Deadline));
        client.Dispose();
    }

    [Fact]
    public async Task A_write_to_a_peer_that_is_gone_is_a_failed_value_not_an_exception()
    {
        var (client, server) = await ConnectAsync();
        await using var _ = server;
        client.Dispose();

        var written = StreamWrite.Written;
        for (var i = 0; i < 100 && written.IsWritten; i++)
            written = await server.WriteAsync(new byte[4096], CancellationToken.None).AsTask().WaitAsync(Deadline);

        Assert.False(written.IsWritten);
        Assert.Contains(written.Failure, new[] { StreamFailure.BrokenPipe, StreamFailure.Reset });
    }

    [Fact]
    public async Task Reads_and_writes_on_a_stream_closed_on_this_side_are_closed_values()
    {
        var (client, server) = await ConnectAsync();
        using var _ = client;
        await server.DisposeAsync();

        Assert.Equal(StreamRead.Failed(StreamFailure.Closed), await server.ReadAsync(new byte[16], CancellationToken.None));
        Assert.Equal(StreamWrite.Failed(StreamFailure.Closed), await server.WriteAsync(new byte[16], CancellationToken.None));
    }

    [Fact]
    public async Task A_pending_read_wakes_with_a_closed_value_when_the_stream_is_closed_on_this_side()
    {
        var (client, server) = await ConnectAsync();
        using var _ = client;
        var reading = server.ReadAsync(new byte[16], CancellationToken.None).AsTask();
        await Task.Delay(50);

        await server.DisposeAsync();

        Assert.Equal(StreamRead.Failed(StreamFailure.Closed), await reading.WaitAsync(Deadline));
    }

    [Fact]
    public async Task Cancellation_by_the_callers_token_stays_an_exception()
    {
        var (client, server) = await ConnectAsync();
        using var _ = client;
        await using var __ = server;
        using var cts = new CancellationTokenSource();
        var reading = server.ReadAsync(new byte[16], cts.Token).AsTask();

        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading.WaitAsync(Deadline));
    }

    [Fact]
    public async Task Reads_and_writes_that_complete_at_once_allocate_nothing()
    {
        var (client, server) = await ConnectAsync();
        using var _ = client;
        await using var __ = server;
        var line = "{\"id\":\"1\"}\n"u8.ToArray();
        var buffer = new byte[256];
        var drain = new byte[256];

        long Round()
        {
            // The client's bytes are already queued, so the receive completes at once, as does a send into an empty
            // buffer; only the adapter's two calls are measured (no await inside, so one thread).
            client.Socket.Send(line);
            var before = GC.GetAllocatedBytesForCurrentThread();
            var written = server.WriteAsync(line, CancellationToken.None);
            var read = server.ReadAsync(buffer, CancellationToken.None);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(written.IsCompletedSuccessfully && written.Result.IsWritten, "the send completes at once");
            Assert.True(read.IsCompletedSuccessfully && read.Result.Count == line.Length, "the receive completes at once");
            client.Socket.Receive(drain);
            return allocated;
        }

        for (var i = 0; i < 50; i++)
            Round(); // warm-up
        var total = 0L;
        for (var i = 0; i < 500; i++)
            total += Round();

        Assert.Equal(0, total);
    }

    [Fact]
    public async Task The_named_pipe_adapter_reports_a_vanished_peer_as_values_too()
    {
        var pipe = $@"\\.\pipe\outfitter-stream-{Guid.NewGuid():N}";
        await using var listener = Transport.Listen(pipe, 4).Match(l => l, e => throw new Xunit.Sdk.XunitException(e.Message));
        var accepting = listener.AcceptAsync(CancellationToken.None).AsTask();
        var client = (await Transport.ConnectAsync(pipe, CancellationToken.None)).Match(c => c, f => throw new Xunit.Sdk.XunitException(f.ToString()));
        await using var server = Accepted(await accepting.WaitAsync(Deadline));
        Assert.True((await client.WriteAsync("hello\n"u8.ToArray(), CancellationToken.None)).IsWritten);
        Assert.Equal(StreamRead.Received(6), await server.ReadAsync(new byte[64], CancellationToken.None).AsTask().WaitAsync(Deadline));

        await client.DisposeAsync();

        var read = await server.ReadAsync(new byte[64], CancellationToken.None).AsTask().WaitAsync(Deadline);
        Assert.False(read.IsReceived, $"After the peer left: {read}");
        var written = StreamWrite.Written;
        for (var i = 0; i < 100 && written.IsWritten; i++)
            written = await server.WriteAsync(new byte[4096], CancellationToken.None).AsTask().WaitAsync(Deadline);
        Assert.False(written.IsWritten);
        Assert.Equal(StreamRead.Failed(StreamFailure.Closed), await client.ReadAsync(new byte[16], CancellationToken.None));
    }

    [Fact]
    public async Task The_named_pipe_adapter_reports_a_stopped_listener_as_a_value_too()
    {
        var pipe = $@"\\.\pipe\outfitter-accept-{Guid.NewGuid():N}";
        var listener = Transport.Listen(pipe, 4).Match(l => l, e => throw new Xunit.Sdk.XunitException(e.Message));
        using var cancel = new CancellationTokenSource();
        var cancelled = listener.AcceptAsync(cancel.Token).AsTask();
        cancel.Cancel();
        Assert.Equal(new AcceptFailure.Stopped(), (await cancelled.WaitAsync(Deadline)).MatchUnsafe<AcceptFailure?>(_ => null, f => f));

        var pending = listener.AcceptAsync(CancellationToken.None).AsTask();
        await listener.DisposeAsync();
        Assert.Equal(new AcceptFailure.Stopped(), (await pending.WaitAsync(Deadline)).MatchUnsafe<AcceptFailure?>(_ => null, f => f));
        Assert.Equal(new AcceptFailure.Stopped(), (await listener.AcceptAsync(CancellationToken.None)).MatchUnsafe<AcceptFailure?>(_ => null, f => f));
    }
}
