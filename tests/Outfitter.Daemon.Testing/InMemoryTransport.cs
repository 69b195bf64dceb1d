using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Threading.Channels;
using LanguageExt;
using Outfitter.Daemon.Core.Errors;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Testing;

/// <summary>
/// An in-memory IPC transport: endpoints are names in a dictionary, connections are pairs of pipes. Dead endpoints (a
/// socket file left by a crash) can be simulated with <see cref="LeaveDeadEndpoint"/>. It implements
/// <see cref="IIpcTransport"/> explicitly. Thread-safe.
/// </summary>
public sealed class InMemoryTransport : IIpcTransport
{
    private readonly ConcurrentDictionary<string, Listener> _listeners = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _dead = new(StringComparer.Ordinal);

    /// <summary>Leaves a dead endpoint at <paramref name="endpoint"/>, as a crashed server leaves its socket file.</summary>
    public void LeaveDeadEndpoint(string endpoint) => _dead[endpoint] = 0;

    /// <summary>Whether something (live or dead) exists at <paramref name="endpoint"/>.</summary>
    public bool Exists(string endpoint) => _listeners.ContainsKey(endpoint) || _dead.ContainsKey(endpoint);

    /// <inheritdoc />
    ValueTask<EndpointProbe> IIpcTransport.ProbeAsync(string endpoint, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_listeners.ContainsKey(endpoint) ? EndpointProbe.Listening : _dead.ContainsKey(endpoint) ? EndpointProbe.Dead : EndpointProbe.Missing);

    /// <inheritdoc />
    Fin<Unit> IIpcTransport.RemoveStale(string endpoint)
    {
        _dead.TryRemove(endpoint, out _);
        return unit;
    }

    /// <inheritdoc />
    Fin<IIpcListener> IIpcTransport.Listen(string endpoint, int backlog)
    {
        if (_dead.ContainsKey(endpoint))
            return OsErrors.Io($"{endpoint} is already in use");
        var listener = new Listener(this, endpoint);
        return _listeners.TryAdd(endpoint, listener) ? listener : OsErrors.Io($"{endpoint} is already in use");
    }

    /// <inheritdoc />
    Fin<IIpcListener> IIpcTransport.Adopt(string endpoint, int fd)
    {
        var listener = new Listener(this, endpoint);
        return _listeners.TryAdd(endpoint, listener) ? listener : OsErrors.Io($"{endpoint} is already in use");
    }

    /// <inheritdoc />
    ValueTask<Either<ConnectFailure, IIpcStream>> IIpcTransport.ConnectAsync(string endpoint, CancellationToken cancellationToken)
    {
        if (!_listeners.TryGetValue(endpoint, out var listener))
            return ValueTask.FromResult<Either<ConnectFailure, IIpcStream>>(_dead.ContainsKey(endpoint) ? ConnectFailure.Refused : ConnectFailure.NoEndpoint);
        var toServer = new Direction();
        var toClient = new Direction();
        var client = new PipeConnection(toClient, toServer);
        var server = new PipeConnection(toServer, toClient);
        return ValueTask.FromResult<Either<ConnectFailure, IIpcStream>>(listener.Offer(server) ? client : ConnectFailure.Refused);
    }

    /// <summary>The descriptor limit servers on this transport see; null (no limit known) unless a test sets it.</summary>
    public ulong? DescriptorLimit { get; set; }

    /// <summary>How many descriptors servers on this transport see in use (counts only when <see cref="DescriptorLimit"/> is set).</summary>
    public int DescriptorsInUse { get; set; }

    /// <inheritdoc />
    Option<DescriptorUse> IIpcTransport.Descriptors() => DescriptorLimit is { } limit ? Some(new DescriptorUse(limit, DescriptorsInUse)) : None;

    private sealed class Listener(InMemoryTransport transport, string endpoint) : IIpcListener
    {
        private readonly Channel<IIpcStream> _pending = Channel.CreateUnbounded<IIpcStream>();

        public string Endpoint => endpoint;

        public bool Offer(IIpcStream server) => _pending.Writer.TryWrite(server);

        public async ValueTask<Either<AcceptFailure, IIpcStream>> AcceptAsync(CancellationToken cancellationToken)
        {
            try
            {
                return Right<AcceptFailure, IIpcStream>(await _pending.Reader.ReadAsync(cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
            {
                return new AcceptFailure.Stopped(); // cancelled, or the listener was disposed
            }
        }

        public IReadOnlyList<IIpcStream> StopAndTakePending()
        {
            transport._listeners.TryRemove(endpoint, out _);
            _pending.Writer.TryComplete();
            var pending = new List<IIpcStream>();
            while (_pending.Reader.TryRead(out var stream))
                pending.Add(stream);
            return pending;
        }

        public ValueTask DisposeAsync()
        {
            transport._listeners.TryRemove(endpoint, out _);
            _pending.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>One direction of a connection: a pipe, and whether its reader has shut down (refusing more writes).</summary>
    private sealed class Direction
    {
        public Pipe Pipe { get; } = new();

        public object Gate { get; } = new();

        public bool ReadShut { get; set; }
    }

    private sealed class PipeConnection(Direction inbound, Direction outbound) : IIpcStream
    {
        private int _disposed;

        public Option<PeerCredentials> Peer => None;

        public async ValueTask<StreamRead> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            if (Volatile.Read(ref _disposed) == 1)
                return StreamRead.Failed(StreamFailure.Closed);
            var input = inbound.Pipe.Reader;
            while (true)
            {
                bool shutBefore;
                lock (inbound.Gate)
                    shutBefore = inbound.ReadShut;
                ReadResult result;
                try
                {
                    // After a read shutdown nothing more can arrive (writes are refused under the gate, and every earlier
                    // one is committed): what is queued is read, then end of stream, as the kernel does. Waiting could
                    // never end once the shutdown's wake-up was taken by a read that found data.
                    if (shutBefore)
                    {
                        if (!input.TryRead(out result))
                            return StreamRead.EndOfStream;
                    }
                    else
                    {
                        result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (InvalidOperationException)
                {
                    return StreamRead.Failed(StreamFailure.Closed); // this side was disposed during the read
                }

                var available = result.Buffer;
                if (available.IsEmpty)
                {
                    input.AdvanceTo(available.Start);
                    bool shut;
                    lock (inbound.Gate)
                        shut = inbound.ReadShut;
                    if (result.IsCompleted || shut)
                        return StreamRead.EndOfStream;
                    continue; // cancelled by a read shutdown that raced with data: look again
                }

                if (buffer.IsEmpty)
                {
                    input.AdvanceTo(available.Start); // data is there; nothing consumed (a zero-byte wait)
                    return StreamRead.Received(0);
                }

                var count = (int)Math.Min(available.Length, buffer.Length);
                available.Slice(0, count).CopyTo(buffer.Span);
                input.AdvanceTo(available.GetPosition(count));
                return StreamRead.Received(count);
            }
        }

        public async ValueTask<StreamWrite> WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            if (Volatile.Read(ref _disposed) == 1)
                return StreamWrite.Failed(StreamFailure.Closed);
            ValueTask<FlushResult> flushing;
            lock (outbound.Gate)
            {
                // Checked and committed under the reader's gate, as the kernel does: a write either lands before the
                // peer's read shutdown (and is read) or fails.
                if (outbound.ReadShut)
                    return StreamWrite.Failed(StreamFailure.BrokenPipe); // the other side stopped reading
                try
                {
                    outbound.Pipe.Writer.Write(data.Span);
                    flushing = outbound.Pipe.Writer.FlushAsync(cancellationToken);
                }
                catch (InvalidOperationException)
                {
                    return StreamWrite.Failed(StreamFailure.Closed); // our sending side was shut or disposed
                }
            }

            var flushed = await flushing.ConfigureAwait(false);
            return flushed.IsCompleted ? StreamWrite.Failed(StreamFailure.BrokenPipe) : StreamWrite.Written; // completed: the other side closed
        }

        public void ShutdownWrite() => outbound.Pipe.Writer.Complete();

        public bool ShutdownRead()
        {
            lock (inbound.Gate)
                inbound.ReadShut = true;
            inbound.Pipe.Reader.CancelPendingRead();
            return true;
        }

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                outbound.Pipe.Writer.Complete();
                inbound.Pipe.Reader.Complete();
            }

            return ValueTask.CompletedTask;
        }
    }
}
