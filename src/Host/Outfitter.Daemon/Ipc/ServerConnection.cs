using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon.Ipc;

/// <summary>
/// One accepted connection. The read loop frames lines with <see cref="LineFraming"/>, runs synchronous handlers with
/// their output written in place into the batch buffer, and writes every reply one read produced with one write, awaited
/// before reading again: a client that does not read slows down only itself (backpressure, never loss). Replies of
/// asynchronous handlers (bounded in number) go to a separate buffer, written by whoever owns the stream at the time.
/// An idle connection holds no buffer: it waits for data with a zero-byte read and rents buffers only while it works.
/// <para>
/// Stopping (<see cref="StopReading"/>) shuts the reading side, so the peer cannot add requests (its writes fail) while
/// every line it already sent, including those still in the kernel's queue, is read and answered: by its handler if it
/// was dispatched before, otherwise with <c>SHUTTING_DOWN</c>. After the last reply the connection ends with an orderly
/// end of stream, never a reset.
/// </para>
/// <para>
/// Every answered request, malformed line and oversized frame is reported to the server's <see cref="ServerTelemetry"/>
/// (counters always; metrics, a span and a log scope only when someone listens).
/// </para>
/// <para>
/// Cancellation (protocol 2, ADR 0016): a handler's <see cref="IpcRequest.Aborted"/> is a token source of the request's
/// own, linked to the connection's abort and created only when the handler first reads it. A <c>cancel</c> line for a
/// pending request cancels that source and answers the request with nothing: no reply is written, and whatever the
/// handler returns later is dropped. A <c>cancel</c> for an id with nothing pending is ignored; a <c>cancel</c> is never
/// answered, during shutdown included.
/// </para>
/// </summary>
internal sealed partial class ServerConnection : IRequestCancellation
{
    private const int InitialBufferBytes = 16 * 1024;
    private const int HighWaterBytes = 1024 * 1024;
    private const int DiscardBytes = 4096;
    private static readonly TimeSpan FinalFlushTimeout = TimeSpan.FromSeconds(2);

    private readonly IIpcStream _stream;
    private readonly Func<IpcRequestHandler?> _handler;
    private readonly IpcServerSettings _options;
    private readonly CancellationTokenSource _stopReading = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly ReplyBuffer _batch = new(InitialBufferBytes);
    private readonly object _lateLock = new();
    private readonly ConcurrentDictionary<long, PendingRequest> _pending = new(concurrencyLevel: 1, capacity: 1);
    private ReplyBuffer _late = new(InitialBufferBytes);
    private ReplyBuffer _lateSpare = new(InitialBufferBytes);
    private int _writing;
    private int _stopping;
    private int _aborted;
    private readonly TimeProvider _time;
    private volatile bool _broken;
    private TaskCompletionSource? _drained;
    private TaskCompletionSource? _slotFree;
    private TaskCompletionSource? _idle;
    private long _nextPending;
    private int _inFlight;
    private readonly ServerTelemetry _telemetry;
    private readonly ConnectionCounters _counters = new();
    private readonly ILogger _logger;
    private long _connectionId;

    private readonly Func<ServerHello>? _hello;

    // The running synchronous dispatch's token source, created when its handler first reads IpcRequest.Aborted (read loop only).
    private CancellationTokenSource? _requestCancellation;

    internal ServerConnection(IIpcStream stream, Func<IpcRequestHandler?> handler, IpcServerSettings options, TimeProvider time, ServerTelemetry? telemetry = null, Func<ServerHello>? hello = null)
    {
        _hello = hello;
        _stream = stream;
        _handler = handler;
        _options = options;
        _time = time;
        _telemetry = telemetry ?? new ServerTelemetry("", NullLogger.Instance, time);
        _logger = _telemetry.Logger;
    }

    private bool Stopping => Volatile.Read(ref _stopping) == 1;

    /// <summary>The running handler's <see cref="IpcRequest.Aborted"/>: its own source, linked to the connection's abort, made on first use.</summary>
    CancellationToken IRequestCancellation.ConnectionClosed => _abort.Token;

    CancellationToken IRequestCancellation.Token =>
        (_requestCancellation ??= CancellationTokenSource.CreateLinkedTokenSource(_abort.Token)).Token;

    /// <summary>
    /// Stops taking new requests: the peer's later writes fail, lines already received are answered with
    /// <c>SHUTTING_DOWN</c>, in-flight ones finish (within the close timeout). Safe after the connection ended (its token
    /// sources are never disposed for that reason) and before it runs.
    /// </summary>
    internal void StopReading()
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 1)
            return;

        // Where the transport cannot shut its reading side atomically, cancel the read (queued lines are then lost).
        if (!_stream.ShutdownRead())
            _stopReading.Cancel();
        Interlocked.Exchange(ref _slotFree, null)?.TrySetResult();
    }

    /// <summary>Ends the connection at once (the close timeout is over): pending writes fail, the stream is closed.</summary>
    internal void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) == 1)
            return;
        _broken = true;
        _stopReading.Cancel();
        _abort.Cancel();
        Interlocked.Exchange(ref _slotFree, null)?.TrySetResult();
        _ = _stream.DisposeAsync();
    }

    /// <summary>Runs the connection until the peer closes, the line limit is exceeded, or the server closes it.</summary>
    internal async Task RunAsync()
    {
        // Requests are root spans unless their client sent a trace context: whatever was current where the server was
        // started must not become every request's parent. (A change inside this async method stays inside it.)
        Activity.Current = null;
        _connectionId = _telemetry.ConnectionOpened(_counters);
        var peerPid = _stream.Peer.Map(p => p.Pid).ToNullable();
        var scope = _telemetry.BeginConnectionScope(_connectionId, peerPid);
        LogConnectionOpened(_connectionId, peerPid);
        var frames = new FrameBuffer(_options.MaxLineBytes);
        try
        {
            var tooLarge = false;
            while (!_broken && !tooLarge)
            {
                StreamRead read;
                try
                {
                    if (frames.IsEmpty)
                    {
                        // Idle: give every buffer back, and wait for data without holding one.
                        frames.ReleaseIfEmpty();
                        _batch.ReleaseIfEmpty();
                        ReleaseLateBuffers();
                        if (!(await _stream.ReadAsync(Memory<byte>.Empty, _stopReading.Token).ConfigureAwait(false)).IsReceived)
                            break; // ended or broken while idle
                    }

                    read = await _stream.ReadAsync(frames.WritableMemory(), _stopReading.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break; // stopped (where the transport cannot shut its reading side) or aborted
                }

                if (!read.IsReceived || read.Count == 0)
                    break; // end of stream, or the connection broke
                frames.Advance(read.Count);
                while (true)
                {
                    if (!Stopping && Volatile.Read(ref _inFlight) >= _options.MaxConcurrentRequestsPerConnection && WaitsForSlot(frames))
                    {
                        await FlushAsync().ConfigureAwait(false);
                        await WaitForSlotAsync().ConfigureAwait(false);
                    }

                    var scan = frames.Next(out var line);
                    if (scan == FrameScan.Line)
                    {
                        try
                        {
                            HandleLine(line);
                        }
                        catch (Exception e)
                        {
                            // Defence in depth: no line, however hostile, may end the connection or the server.
                            Activity.Current = null;
                            _telemetry.ProtocolError(ProtocolProblems.Internal);
                            LogLineFailed(e, _connectionId);
                            Envelope.WriteError(_batch, default, "The server could not process this line: " + e.Message, IpcErrorCodes.ProtocolError);
                        }

                        continue;
                    }

                    if (scan == FrameScan.TooLarge)
                    {
                        tooLarge = true;
                        _telemetry.FrameTooLarge();
                        LogFrameTooLarge(_connectionId, _options.MaxLineBytes);
                        Envelope.WriteError(_batch, default, $"The request line exceeds the limit of {_options.MaxLineBytes} bytes; closing the connection.", IpcErrorCodes.FrameTooLarge);
                    }

                    break;
                }

                // One write for all the replies this read produced.
                await FlushAsync().ConfigureAwait(false);
            }

            frames.Dispose();
            if (tooLarge)
                await DiscardUnreadAsync().ConfigureAwait(false);
            await FinishInFlightAsync().ConfigureAwait(false);

            // An orderly end of stream after the last reply (the receive queue is empty, so closing sends no reset).
            if (!_broken)
                _stream.ShutdownWrite();
        }
        finally
        {
            frames.Dispose();
            _abort.Cancel();
            await _stream.DisposeAsync().ConfigureAwait(false);
            _batch.Release();
            lock (_lateLock)
            {
                _late.Release();
                _lateSpare.Release();
            }

            _telemetry.ConnectionClosed(_counters);
            LogConnectionClosed(_connectionId);
            scope?.Dispose();
        }
    }

    /// <summary>
    /// After an over-long line: stops the peer from sending and reads away what it already sent (bounded by the close
    /// timeout), so the connection closes with an end of stream rather than a reset that could hide the error reply.
    /// </summary>
    private async Task DiscardUnreadAsync()
    {
        if (_broken || !_stream.ShutdownRead())
            return;
        var scratch = System.Buffers.ArrayPool<byte>.Shared.Rent(DiscardBytes);
        try
        {
            using var deadline = new CancellationTokenSource(_options.CloseTimeout, _time);
            while ((await _stream.ReadAsync(scratch, deadline.Token).ConfigureAwait(false)) is { IsReceived: true, Count: > 0 })
            {
            }
        }
        catch (OperationCanceledException)
        {
            // Too slow: closing now is all that is left (a broken connection simply ends the loop).
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// At the limit of requests in progress, whether the next line must wait for a slot: a request does; a <c>cancel</c>
    /// goes on (it may end a running handler, so waiting for a slot to read it could wait for ever), and so does a line
    /// not yet complete, which is read on (still bounded by the line limit) so that a <c>cancel</c> can arrive.
    /// </summary>
    private static bool WaitsForSlot(FrameBuffer frames)
    {
        if (frames.Peek(out var line) != FrameScan.Line)
            return false;
        var envelope = Envelope.ParseRequest(line);
        return !envelope.IsValid || envelope.Kind != EnvelopeKind.Cancel;
    }

    private void ReleaseLateBuffers()
    {
        // Only empty buffers go back; one an asynchronous writer is sending is not referenced by these fields meanwhile.
        lock (_lateLock)
        {
            _late.ReleaseIfEmpty();
            _lateSpare.ReleaseIfEmpty();
        }
    }

    private void HandleLine(ReadOnlySpan<byte> line)
    {
        if (line.Trim(" \t\r"u8).IsEmpty)
            return; // blank lines are ignored, as the reference does

        var envelope = Envelope.ParseRequest(line);
        if (!envelope.IsValid)
        {
            _telemetry.ProtocolError(envelope.Reason!);
            LogProtocolError(_connectionId, envelope.Reason!, envelope.Problem!);
            Envelope.WriteError(_batch, envelope.Id, "Invalid request: " + envelope.Problem + ".", IpcErrorCodes.ProtocolError);
            return;
        }

        if (envelope.Kind == EnvelopeKind.Cancel)
        {
            Cancel(envelope.Id); // never answered, and honoured while stopping too
            return;
        }

        // The handshake is connection set-up, answered by the server itself: not a request of the application's, so it
        // is neither counted, timed, traced nor handed to the handler (a "hello" without a protocol number is).
        if (_hello is not null && Handshake.IsHello(envelope.Payload))
        {
            Envelope.WriteResponseStart(_batch, envelope.Id);
            Handshake.WriteResponse(_batch, _hello());
            Envelope.WriteResponseEnd(_batch);
            return;
        }

        var observed = _telemetry.Begin(envelope, _connectionId);
        if (Stopping)
        {
            ReplyError(envelope.Id, observed, "The server is shutting down; the request was not executed (safe to retry).", IpcErrorCodes.ShuttingDown);
            return;
        }

        var handler = _handler();
        if (handler is null)
        {
            ReplyError(envelope.Id, observed, "The server has no message handler.", IpcErrorCodes.HandlerError);
            return;
        }

        using var scope = _telemetry.BeginRequestScope(observed, envelope.Id);

        // The handler writes its result in place, between the response's start and end; on anything but success that
        // partial output is cut off again.
        var mark = _batch.WrittenCount;
        Envelope.WriteResponseStart(_batch, envelope.Id);
        var payloadStart = _batch.WrittenCount;
        IpcResult result;
        try
        {
            result = handler(new IpcRequest(envelope.Payload, _batch, this));
        }
        catch (Exception e)
        {
            TakeRequestCancellation()?.Dispose();
            _batch.Truncate(mark);
            LogHandlerThrew(e, _connectionId);
            ReplyError(envelope.Id, observed, e.Message, IpcErrorCodes.HandlerError);
            return;
        }

        // The handler's token source, if it asked for its token: disposed once the request is answered, here unless the
        // request stays pending (its pending entry then owns it).
        var cancellation = TakeRequestCancellation();
        switch (result.Kind)
        {
            case IpcResultKind.Written:
                if (_batch.WrittenCount == payloadStart)
                    _batch.Write("null"u8);
                Envelope.WriteResponseEnd(_batch);
                Answered(observed, null, null);
                break;
            case IpcResultKind.Error:
                _batch.Truncate(mark);
                ReplyError(envelope.Id, observed, result.Message!, result.Code ?? IpcErrorCodes.HandlerError);
                break;
            case IpcResultKind.Pending:
                _batch.Truncate(mark);
                var task = result.PendingReply!;
                if (task.IsCompleted)
                {
                    var (code, message) = WriteReply(_batch, envelope.Id, task);
                    Answered(observed, code, message);
                }
                else
                {
                    // The span stays open until the reply; the read loop goes on outside it.
                    if (observed.Activity is not null)
                        Activity.Current = null;
                    Track(envelope.Id.ToArray(), task, observed, cancellation);
                    cancellation = null;
                }

                break;
            case IpcResultKind.Unset:
            default:
                // default(IpcResult): the handler never said how it answered; whatever it wrote is not a reply.
                _batch.Truncate(mark);
                ReplyError(envelope.Id, observed, "The handler returned no result (default(IpcResult)); return IpcResult.Written, Error or Pending.", IpcErrorCodes.InternalError);
                break;
        }

        cancellation?.Dispose();
    }

    private CancellationTokenSource? TakeRequestCancellation()
    {
        var source = _requestCancellation;
        _requestCancellation = null;
        return source;
    }

    private void ReplyError(ReadOnlySpan<byte> id, in RequestObservation observed, string message, string code)
    {
        Envelope.WriteError(_batch, id, message, code);
        Answered(observed, code, message);
    }

    /// <summary>The read loop answered a request: counted, and reported to whoever listens.</summary>
    private void Answered(in RequestObservation observed, string? errorCode, string? errorMessage)
    {
        _counters.Answered(errorCode is not null);
        _telemetry.End(observed, errorCode, errorMessage);
    }

    private void Track(byte[] id, Task<IpcReply> task, RequestObservation observed, CancellationTokenSource? cancellation)
    {
        var pending = new PendingRequest(this, Interlocked.Increment(ref _nextPending), id, observed, cancellation);
        _pending[pending.Key] = pending;
        _telemetry.PendingStarted();
        Interlocked.Increment(ref _inFlight);
        task.ContinueWith(
            static (t, state) =>
            {
                var pending = (PendingRequest)state!;
                pending.Connection.Complete(pending, t);
            },
            pending,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>
    /// A <c>cancel</c> line: each pending request with that id (the client chooses ids; one that reuses an id for requests
    /// in flight at once cancels them all, since it could not tell their replies apart either) has its token cancelled and
    /// is answered with nothing: no reply, and what its handler returns later is dropped. Ids match as JSON strings
    /// (<see cref="Envelope.SameId"/>). An id with nothing pending (unknown, already answered, or answered at once by a
    /// synchronous handler) is ignored. The request's slot is freed when its handler returns, as for any request: a handler
    /// that ignores its token keeps counting against <see cref="IpcServerSettings.MaxConcurrentRequestsPerConnection"/>.
    /// </summary>
    private void Cancel(ReadOnlySpan<byte> rawId)
    {
        if (_pending.IsEmpty)
            return;
        foreach (var entry in _pending)
        {
            var pending = entry.Value;
            if (!Envelope.SameId(pending.Id, rawId) || !pending.TryCancel())
                continue;
            _pending.TryRemove(entry.Key, out _);
            _telemetry.PendingEnded();
            _telemetry.RequestCancelled();
            _telemetry.End(pending.Observed, IpcErrorCodes.Cancelled, CancelledMessage);
            LogRequestCancelled(_connectionId);
        }
    }

    private const string CancelledMessage = "The client cancelled the request; no reply was written.";

    private void Complete(PendingRequest pending, Task<IpcReply> task)
    {
        _pending.TryRemove(pending.Key, out _);
        if (pending.TryAnswer())
        {
            (string? Code, string? Message) outcome;
            lock (_lateLock)
                outcome = WriteReply(_late, pending.Id, task);
            _telemetry.PendingEnded();
            _counters.AnsweredLate(outcome.Code is not null);
            _telemetry.End(pending.Observed, outcome.Code, outcome.Message);
            if (Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
                _ = DrainLateAsync();
        }

        pending.HandlerEnded();
        if (Interlocked.Decrement(ref _inFlight) < _options.MaxConcurrentRequestsPerConnection)
            Interlocked.Exchange(ref _slotFree, null)?.TrySetResult();
        if (Volatile.Read(ref _inFlight) == 0)
            Interlocked.Exchange(ref _idle, null)?.TrySetResult();
    }

    /// <summary>Writes the reply of a completed asynchronous handler; the error code and message when it is an error reply.</summary>
    private static (string? Code, string? Message) WriteReply(ReplyBuffer output, ReadOnlySpan<byte> id, Task<IpcReply> task)
    {
        if (task.IsCompletedSuccessfully && task.Result is { ErrorMessage: null } ok)
        {
            Envelope.WriteResponse(output, id, ok.Json.IsEmpty ? "null"u8 : ok.Json.Span);
            return (null, null);
        }

        var (message, code) = task.IsCompletedSuccessfully
            ? (task.Result.ErrorMessage!, task.Result.ErrorCode ?? IpcErrorCodes.HandlerError)
            : (task.Exception?.InnerException?.Message ?? "The handler was cancelled.", IpcErrorCodes.HandlerError);
        Envelope.WriteError(output, id, message, code);
        return (code, message);
    }

    private async Task WaitForSlotAsync()
    {
        while (Volatile.Read(ref _inFlight) >= _options.MaxConcurrentRequestsPerConnection && !_broken && !Stopping)
        {
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var current = Interlocked.CompareExchange(ref _slotFree, signal, null) ?? signal;
            if (Volatile.Read(ref _inFlight) < _options.MaxConcurrentRequestsPerConnection || Stopping || _broken)
                break;
            await current.Task.ConfigureAwait(false);
        }
    }

    private async Task FinishInFlightAsync()
    {
        // Let handlers still running finish within the close timeout, then answer the rest with an error.
        if (Volatile.Read(ref _inFlight) > 0)
        {
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var idle = Interlocked.CompareExchange(ref _idle, signal, null) ?? signal;
            if (Volatile.Read(ref _inFlight) > 0)
                await Task.WhenAny(idle.Task, Task.Delay(_options.CloseTimeout, _time)).ConfigureAwait(false);
        }

        foreach (var key in _pending.Keys)
        {
            if (_pending.TryRemove(key, out var pending) && pending.TryAnswer())
            {
                const string interrupted = "The server closed before the handler finished; whether it took effect is unknown.";
                lock (_lateLock)
                    Envelope.WriteError(_late, pending.Id, interrupted, IpcErrorCodes.Interrupted);
                _telemetry.PendingEnded();
                _counters.AnsweredLate(error: true); // other handlers' completions are counting at the same time
                _telemetry.End(pending.Observed, IpcErrorCodes.Interrupted, interrupted);
            }
        }

        await Task.WhenAny(FlushAllAsync(), Task.Delay(FinalFlushTimeout, _time)).ConfigureAwait(false);
    }

    /// <summary>Writes everything queued, including replies an asynchronous writer is still sending, before the stream closes.</summary>
    private async Task FlushAllAsync()
    {
        while (!_broken)
        {
            await FlushAsync().ConfigureAwait(false);
            TaskCompletionSource wait;
            lock (_lateLock)
            {
                if (Volatile.Read(ref _writing) == 0 && _late.WrittenCount == 0 && _batch.WrittenCount == 0)
                    return;
                wait = _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            if (Volatile.Read(ref _writing) != 0)
                await wait.Task.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes the read loop's batch, then any asynchronous replies. If an asynchronous writer owns the stream, the batch is
    /// handed to it instead, and the read loop waits only when too much is queued.
    /// </summary>
    private ValueTask FlushAsync()
    {
        if (_broken)
        {
            _batch.Truncate(0);
            return ValueTask.CompletedTask;
        }

        if (Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
            return WriteBatchThenLateAsync();

        int queued;
        lock (_lateLock)
        {
            _late.Write(_batch.WrittenSpan);
            queued = _late.WrittenCount;
        }

        _batch.Clear();

        // The owner may have finished between our check and our append: make sure somebody writes it.
        if (Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
            return new ValueTask(DrainLateAsync());
        if (queued < HighWaterBytes)
            return ValueTask.CompletedTask;
        TaskCompletionSource wait;
        lock (_lateLock)
            wait = _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return Volatile.Read(ref _writing) == 0 ? ValueTask.CompletedTask : new ValueTask(wait.Task);
    }

    private async ValueTask WriteBatchThenLateAsync()
    {
        if (_batch.WrittenCount > 0)
        {
            await WriteAsync(_batch.WrittenMemory).ConfigureAwait(false);
            _batch.Clear();
        }

        await DrainLateAsync().ConfigureAwait(false);
    }

    /// <summary>Writes queued asynchronous replies; the caller owns the stream (<c>_writing</c> = 1) and this releases it.</summary>
    private async Task DrainLateAsync()
    {
        while (true)
        {
            ReplyBuffer? sending = null;
            lock (_lateLock)
            {
                if (_late.WrittenCount > 0 && !_broken)
                {
                    sending = _late;
                    _late = _lateSpare;
                }
            }

            if (sending is not null)
            {
                await WriteAsync(sending.WrittenMemory).ConfigureAwait(false);
                sending.Clear();
                lock (_lateLock)
                    _lateSpare = sending;
                continue;
            }

            Volatile.Write(ref _writing, 0);
            bool more;
            lock (_lateLock)
                more = _late.WrittenCount > 0 && !_broken;

            // Someone may have queued a reply after our check and found the stream taken: take it back if so.
            if (!more || Interlocked.CompareExchange(ref _writing, 1, 0) != 0)
            {
                TaskCompletionSource? drained;
                lock (_lateLock)
                {
                    drained = _drained;
                    _drained = null;
                }

                drained?.TrySetResult();
                return;
            }
        }
    }

    private async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        if (_broken)
            return;
        var written = await _stream.WriteAsync(bytes, CancellationToken.None).ConfigureAwait(false);
        if (!written.IsWritten)
        {
            // The peer is gone (or the connection was aborted): nothing more can be delivered on it.
            _broken = true;
            _abort.Cancel();
        }
    }

    /// <summary>
    /// An asynchronous request awaiting its answer; answered exactly once (by its handler, by close, or by a
    /// <c>cancel</c>), and owner of its handler's token source, disposed exactly once after the handler ended and no
    /// cancellation is running its callbacks.
    /// </summary>
    private sealed class PendingRequest(ServerConnection connection, long key, byte[] id, RequestObservation observed, CancellationTokenSource? cancellation)
    {
        private const int Answered = 1;
        private const int Cancelling = 2;
        private const int Ended = 4;
        private int _state;

        public ServerConnection Connection => connection;

        public long Key => key;

        public byte[] Id => id;

        public RequestObservation Observed => observed;

        public bool TryAnswer() => (Interlocked.Or(ref _state, Answered) & Answered) == 0;

        /// <summary>
        /// Answers the request by cancelling it: its token's callbacks run on the thread pool (never the read loop's);
        /// false when it was already answered.
        /// </summary>
        public bool TryCancel()
        {
            var state = Volatile.Read(ref _state);
            while (true)
            {
                if ((state & Answered) != 0)
                    return false;
                var seen = Interlocked.CompareExchange(ref _state, state | Answered | Cancelling, state);
                if (seen == state)
                    break;
                state = seen;
            }

            var callbacks = cancellation?.CancelAsync() ?? Task.CompletedTask;
            if (callbacks.IsCompleted)
            {
                CancelDone(callbacks);
            }
            else
            {
                callbacks.ContinueWith(
                    static (t, state) => ((PendingRequest)state!).CancelDone(t),
                    this,
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }

            return true;
        }

        /// <summary>The handler's task completed: its token source goes, unless a cancellation still runs its callbacks.</summary>
        public void HandlerEnded()
        {
            if ((Interlocked.Or(ref _state, Ended) & Cancelling) == 0)
                cancellation?.Dispose();
        }

        private void CancelDone(Task callbacks)
        {
            if (callbacks.Exception is { } failed)
                connection.LogCancellationCallbackThrew(failed.InnerException ?? failed, connection._connectionId);
            if ((Interlocked.And(ref _state, ~Cancelling) & Ended) != 0)
                cancellation?.Dispose();
        }
    }

    [LoggerMessage(28, LogLevel.Debug, "Connection {ConnectionId} opened (peer PID {PeerPid})")]
    private partial void LogConnectionOpened(long connectionId, int? peerPid);

    [LoggerMessage(29, LogLevel.Debug, "Connection {ConnectionId} closed")]
    private partial void LogConnectionClosed(long connectionId);

    [LoggerMessage(31, LogLevel.Debug, "Connection {ConnectionId}: invalid request line ({Reason}): {Problem}; answered with PROTOCOL_ERROR")]
    private partial void LogProtocolError(long connectionId, string reason, string problem);

    [LoggerMessage(32, LogLevel.Warning, "Connection {ConnectionId}: a request line exceeded the limit of {MaxLineBytes} bytes; answered with FRAME_TOO_LARGE and closing the connection")]
    private partial void LogFrameTooLarge(long connectionId, int maxLineBytes);

    [LoggerMessage(33, LogLevel.Warning, "Connection {ConnectionId}: the request handler threw; answered with HANDLER_ERROR")]
    private partial void LogHandlerThrew(Exception exception, long connectionId);

    [LoggerMessage(34, LogLevel.Error, "Connection {ConnectionId}: processing a line failed unexpectedly; answered with PROTOCOL_ERROR")]
    private partial void LogLineFailed(Exception exception, long connectionId);

    [LoggerMessage(37, LogLevel.Debug, "Connection {ConnectionId}: the client cancelled a pending request; its handler's token is cancelled and no reply will be written")]
    private partial void LogRequestCancelled(long connectionId);

    [LoggerMessage(38, LogLevel.Warning, "Connection {ConnectionId}: a callback registered on a cancelled request's token threw")]
    private partial void LogCancellationCallbackThrew(Exception exception, long connectionId);
}
