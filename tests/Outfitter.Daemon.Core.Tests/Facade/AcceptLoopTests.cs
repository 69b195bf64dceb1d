using System.Text;
using LanguageExt;
using Microsoft.Extensions.Time.Testing;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Paths;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Testing;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>The accept loop over a fake transport: back-off on failed accepts (fake clock), the connection limit, and the drain at close.</summary>
public sealed class AcceptLoopTests
{
    private const string Socket = "/run/test/svc.sock";

    private static readonly FakeRuntimeEnvironment Runtime = new();

    [Fact]
    public async Task Failed_accepts_wait_a_growing_pause_on_the_clock_never_spin_and_resume_when_accepting_works_again()
    {
        var time = new FakeTimeProvider();
        var transport = new FailingAccepts(new InMemoryTransport()) { FailuresLeft = 4 };
        var log = new RecordingLogger();
        await using var server = new IpcServer(Socket, new IpcServerOptions(), transport, new FakeOs().Start(4242), Runtime, time, log);
        server.OnRequest(IpcBuiltins.Ping);
        Assert.True((await server.ListenAsync()).IsSuccess);
        var connecting = transport.Inner.AsTransport().ConnectAsync(Socket, CancellationToken.None);

        // Each retry happens only once the fake clock has moved by at least the next pause: 5, 10, 20, 40 ms. The clock
        // moves 1 ms at a time (the loop may register its pause a little after the failure is counted).
        await WaitUntil(() => transport.Attempts == 1, "the first attempt");
        var expected = 1;
        foreach (var pause in new[] { 5, 10, 20, 40 })
        {
            var advanced = 0;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (transport.Attempts == expected && DateTime.UtcNow < deadline)
            {
                time.Advance(TimeSpan.FromMilliseconds(1));
                advanced++;
                await Task.Delay(1);
            }

            // Exactly one more (no spinning); after the last failure the next accept succeeds and the one after it waits.
            Assert.InRange(transport.Attempts, expected + 1, pause == 40 ? expected + 2 : expected + 1);
            Assert.True(advanced >= pause, $"Attempt {expected + 1} came after {advanced} ms of clock time; the pause is {pause} ms.");
            expected++;
        }

        // The fifth attempt succeeded: the waiting client is served.
        var client = (await connecting).Match(c => c, f => throw new Xunit.Sdk.XunitException(f.ToString()));
        await client.WriteAsync("{\"id\":\"1\",\"type\":\"request\",\"payload\":{\"type\":\"ping\"}}\n"u8.ToArray(), CancellationToken.None);
        Assert.Contains("\"pong\":true", await ReadLineAsync(client), StringComparison.Ordinal);
        Assert.Equal(6, transport.Attempts); // four failures, the success, and the accept now waiting
        Assert.Single(log.Entries.Select(e => e.Message), l => l.Contains("Accepting a connection failed: Too many open files", StringComparison.Ordinal));
        Assert.Single(log.Entries.Select(e => e.Message), l => l.Contains("Accepting connections again after 4 failed attempts", StringComparison.Ordinal));
        await client.DisposeAsync();
    }

    [Fact]
    public async Task A_stopped_accept_ends_the_loop_quietly_without_a_retry_or_a_failure_log()
    {
        var time = new FakeTimeProvider();
        var transport = new FailingAccepts(new InMemoryTransport()) { StopAt = 1 };
        var log = new RecordingLogger();
        await using var server = new IpcServer(Socket, new IpcServerOptions(), transport, new FakeOs().Start(4242), Runtime, time, log);
        server.OnRequest(IpcBuiltins.Ping);
        Assert.True((await server.ListenAsync()).IsSuccess);

        await WaitUntil(() => transport.Attempts == 1, "the first attempt");
        await WaitUntil(() => transport.Returned == 1, "the stopped value");

        // However far the clock moves, no further accept is attempted: a stop is not a failure to back off from.
        for (var i = 0; i < 20; i++)
        {
            time.Advance(AcceptBackoff.Max);
            await Task.Yield();
        }

        await server.CloseAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, transport.Attempts);
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains("Accepting a connection failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task At_the_connection_limit_new_clients_wait_in_the_backlog_and_are_served_when_one_closes()
    {
        var transport = new InMemoryTransport();
        var log = new RecordingLogger();
        await using var server = new IpcServer(Socket, new IpcServerOptions { MaxConnections = 2 }, transport, new FakeOs().Start(4242), Runtime, TimeProvider.System, log);
        server.OnRequest(IpcBuiltins.Ping);
        Assert.True((await server.ListenAsync()).IsSuccess);

        var first = await ConnectAndPingAsync(transport);
        var second = await ConnectAndPingAsync(transport);
        var third = (await transport.AsTransport().ConnectAsync(Socket, CancellationToken.None)).Match(c => c, f => throw new Xunit.Sdk.XunitException(f.ToString()));
        await third.WriteAsync(Ping, CancellationToken.None);
        var answer = ReadLineAsync(third);
        await WaitUntil(() => log.Entries.Select(e => e.Message).Any(l => l.Contains("holds 2 connections, its limit", StringComparison.Ordinal)), "the limit is logged");
        Assert.False(answer.IsCompleted, "The third client waits while two connections are open.");
        Assert.Equal(2, server.ConnectionCount);

        await first.DisposeAsync();
        Assert.Contains("\"pong\":true", await answer.WaitAsync(TimeSpan.FromSeconds(30)), StringComparison.Ordinal);
        Assert.Single(log.Entries.Select(e => e.Message), l => l.Contains("its limit", StringComparison.Ordinal));
        await second.DisposeAsync();
        await third.DisposeAsync();
    }

    [Fact]
    public async Task Close_answers_lines_already_sent_with_shutting_down_refuses_later_writes_and_ends_with_eof()
    {
        var transport = new InMemoryTransport();
        var gate = new TaskCompletionSource<IpcReply>();

        // One request at a time per connection, so the slow handler holds the read loop's only slot and later lines
        // wait unread. The close timeout is far beyond any scheduling delay and beyond the deadline for the close: the
        // close must end by draining (the handler's reply, then end of stream), never by cutting the connection off.
        var options = new IpcServerOptions { MaxConcurrentRequestsPerConnection = 1, CloseTimeout = TimeSpan.FromMinutes(1) };
        var log = new RecordingLogger();
        await using var server = new IpcServer(Socket, options, transport, new FakeOs().Start(4242), Runtime, TimeProvider.System, log);
        var started = 0;
        server.OnRequest(_ => Interlocked.Increment(ref started) == 1 ? IpcResult.Pending(gate.Task) : IpcResult.Written);
        Assert.True((await server.ListenAsync()).IsSuccess);
        var client = (await transport.AsTransport().ConnectAsync(Socket, CancellationToken.None)).Match(c => c, f => throw new Xunit.Sdk.XunitException(f.ToString()));

        // The first request's handler is running (and holds the read loop's slot); the next line is sent and waits unread.
        await client.WriteAsync(Line("slow"), CancellationToken.None);
        await WaitUntil(() => Volatile.Read(ref started) == 1, "the slow handler started");
        Assert.Equal(StreamWrite.Written, await client.WriteAsync(Line("queued"), CancellationToken.None));

        // CloseAsync stops the connection's reading side only once the accept loop has ended (on the thread pool, after
        // CloseAsync returned): the slow handler is answered only after that stop is visible to the client (a write,
        // here of zero bytes, is refused), else the freed slot would let the queued line reach the handler first.
        var closing = server.CloseAsync();
        await WaitUntilAsync(async () => (await client.WriteAsync(ReadOnlyMemory<byte>.Empty, CancellationToken.None)).Equals(StreamWrite.Failed(StreamFailure.BrokenPipe)), "the server stopped reading");
        gate.SetResult(IpcReply.FromJson("\"done\""u8.ToArray()));
        await closing.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains("still had replies unsent", StringComparison.Ordinal));

        var replies = new List<string>();
        while (await ReadLineAsync(client) is { Length: > 0 } line)
            replies.Add(line);
        Assert.Equal(2, replies.Count);
        Assert.Contains(replies, r => r.Contains("\"id\":\"slow\"", StringComparison.Ordinal) && r.Contains("\"done\"", StringComparison.Ordinal));
        Assert.Contains(replies, r => r.Contains("\"id\":\"queued\"", StringComparison.Ordinal) && r.Contains(IpcErrorCodes.ShuttingDown, StringComparison.Ordinal));
        Assert.Equal(1, Volatile.Read(ref started)); // the queued line never reached the handler
        Assert.Equal(StreamWrite.Failed(StreamFailure.BrokenPipe), await client.WriteAsync(Line("late"), CancellationToken.None));
        await client.DisposeAsync();
    }

    [Fact]
    public async Task Connection_churn_without_a_gc_induces_one_and_zero_turns_that_off()
    {
        // Off: never induced, however many connections close.
        Assert.Equal(0, await InducedAfterChurnAsync(collectAfter: 0, cycles: 64));

        // Every 2 closed connections a check: a collection is induced whenever none ran since the last check. Other tests
        // allocate in this process too, so not every check induces one, but over 100 checks some must.
        Assert.True(await InducedAfterChurnAsync(collectAfter: 2, cycles: 200) > 0, "Connection churn must induce a collection.");
        Assert.Contains(new IpcServerOptions { CollectAfterClosedConnections = -1 }.Validate(), p => p.Contains("CollectAfterClosedConnections", StringComparison.Ordinal));
    }

    private static async Task<int> InducedAfterChurnAsync(int collectAfter, int cycles)
    {
        var transport = new InMemoryTransport();
        await using var server = new IpcServer(Socket, new IpcServerOptions { CollectAfterClosedConnections = collectAfter }, transport, new FakeOs().Start(4242), Runtime, TimeProvider.System);
        server.OnRequest(IpcBuiltins.Ping);
        Assert.True((await server.ListenAsync()).IsSuccess);
        for (var i = 0; i < cycles; i++)
        {
            var client = await ConnectAndPingAsync(transport);
            await client.DisposeAsync();
            await WaitUntil(() => server.ConnectionCount == 0, "the connection is gone");
        }

        return server.InducedCollections;
    }

    private static readonly byte[] Ping = Line("p");

    private static byte[] Line(string id) => Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\",\"type\":\"request\",\"payload\":{{\"type\":\"ping\"}}}}\n");

    private static async Task<IIpcStream> ConnectAndPingAsync(InMemoryTransport transport)
    {
        var client = (await transport.AsTransport().ConnectAsync(Socket, CancellationToken.None)).Match(c => c, f => throw new Xunit.Sdk.XunitException(f.ToString()));
        await client.WriteAsync(Ping, CancellationToken.None);
        Assert.Contains("\"pong\":true", await ReadLineAsync(client).WaitAsync(TimeSpan.FromSeconds(30)), StringComparison.Ordinal);
        return client;
    }

    /// <summary>The next line, or "" at end of stream.</summary>
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

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"Timed out waiting for {what}.");
            await Task.Delay(2);
        }
    }

    /// <summary>A transport whose listener reports its first accepts as failed, as an adapter does for a process out of descriptors (EMFILE).</summary>
    private sealed class FailingAccepts(InMemoryTransport inner) : IIpcTransport
    {
        private int _attempts;
        private int _returned;

        public InMemoryTransport Inner => inner;

        public int FailuresLeft { get; set; }

        /// <summary>The attempt (1 for the first) that reports the listener as stopped; 0 for none.</summary>
        public int StopAt { get; set; }

        public int Attempts => Volatile.Read(ref _attempts);

        /// <summary>How many attempts have returned a value (an attempt that waits for a client has not).</summary>
        public int Returned => Volatile.Read(ref _returned);

        public ValueTask<EndpointProbe> ProbeAsync(string endpoint, CancellationToken cancellationToken) => inner.AsTransport().ProbeAsync(endpoint, cancellationToken);

        public Fin<Unit> RemoveStale(string endpoint) => inner.AsTransport().RemoveStale(endpoint);

        public Fin<IIpcListener> Listen(string endpoint, int backlog) => inner.AsTransport().Listen(endpoint, backlog).Map(l => (IIpcListener)new Listener(l, this));

        public Fin<IIpcListener> Adopt(string endpoint, int fd) => inner.AsTransport().Adopt(endpoint, fd);

        public ValueTask<Either<ConnectFailure, IIpcStream>> ConnectAsync(string endpoint, CancellationToken cancellationToken) => inner.AsTransport().ConnectAsync(endpoint, cancellationToken);

        public Option<DescriptorUse> Descriptors() => Option<DescriptorUse>.None;

        private sealed class Listener(IIpcListener inner, FailingAccepts owner) : IIpcListener
        {
            public string Endpoint => inner.Endpoint;

            public async ValueTask<Either<AcceptFailure, IIpcStream>> AcceptAsync(CancellationToken cancellationToken)
            {
                var attempt = Interlocked.Increment(ref owner._attempts);
                try
                {
                    if (attempt == owner.StopAt)
                        return new AcceptFailure.Stopped();
                    if (owner.FailuresLeft-- > 0)
                        return new AcceptFailure.Failed("Too many open files");
                    return await inner.AcceptAsync(cancellationToken);
                }
                finally
                {
                    Interlocked.Increment(ref owner._returned);
                }
            }

            public IReadOnlyList<IIpcStream> StopAndTakePending() => inner.StopAndTakePending();

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
