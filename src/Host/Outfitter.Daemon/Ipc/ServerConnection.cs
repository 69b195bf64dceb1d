using System.Buffers;
using System.Collections.Concurrent;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon;

/// <summary>
/// One accepted connection: a read loop that frames lines with <see cref="LineFraming"/>, answers synchronous handlers
/// inline, tracks asynchronous ones (bounded), and writes all replies produced by one read in one write. Writing is
/// awaited before reading again, so a client that does not read slows down only itself (backpressure, never loss).
/// </summary>
internal sealed class ServerConnection
{
    private const int InitialBufferBytes = 16 * 1024;
    private const int HighWaterBytes = 1024 * 1024;
    private static readonly TimeSpan FinalFlushTimeout = TimeSpan.FromSeconds(2);

    private readonly IIpcStream _stream;
    private readonly Func<IpcRequestHandler?> _handler;
    private readonly IpcServerOptions _options;
    private readonly CancellationTokenSource _stopReading = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly object _outLock = new();
    private readonly ArrayBufferWriter<byte> _scratch = new(4096);
    private readonly ConcurrentDictionary<long, PendingRequest> _pending = new();
    private ArrayBufferWriter<byte> _out = new(InitialBufferBytes);
    private ArrayBufferWriter<byte> _spare = new(InitialBufferBytes);
    private bool _flushing;
    private bool _broken;
    private TaskCompletionSource? _drained;
    private TaskCompletionSource? _slotFree;
    private TaskCompletionSource? _idle;
    private long _nextPending;
    private int _inFlight;

    internal ServerConnection(IIpcStream stream, Func<IpcRequestHandler?> handler, IpcServerOptions options)
    {
        _stream = stream;
        _handler = handler;
        _options = options;
    }

    /// <summary>Stops reading new requests; in-flight ones finish (within the close timeout) and are answered.</summary>
    internal void StopReading() => _stopReading.Cancel();

    /// <summary>Runs the connection until the peer closes, the line limit is exceeded, or the server closes it.</summary>
    internal async Task RunAsync()
    {
        var frames = new FrameBuffer(_options.MaxLineBytes);
        try
        {
            var tooLarge = false;
            while (!_broken && !tooLarge)
            {
                int read;
                try
                {
                    read = await _stream.ReadAsync(frames.WritableMemory(), _stopReading.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (IsDisconnect(e))
                {
                    break;
                }

                if (read == 0)
                    break;
                frames.Advance(read);
                while (true)
                {
                    if (Volatile.Read(ref _inFlight) >= _options.MaxConcurrentRequestsPerConnection)
                    {
                        await FlushAsync().ConfigureAwait(false);
                        await WaitForSlotAsync().ConfigureAwait(false);
                    }

                    var scan = frames.Next(out var line);
                    if (scan == FrameScan.Line)
                    {
                        HandleLine(line);
                        continue;
                    }

                    if (scan == FrameScan.TooLarge)
                    {
                        tooLarge = true;
                        lock (_outLock)
                            Envelope.WriteError(_out, default, $"The request line exceeds the limit of {_options.MaxLineBytes} bytes; closing the connection.", IpcErrorCodes.FrameTooLarge);
                    }

                    break;
                }

                // One write for all the replies this read produced.
                await FlushAsync().ConfigureAwait(false);
            }

            await FinishInFlightAsync().ConfigureAwait(false);
        }
        finally
        {
            frames.Dispose();
            _abort.Cancel();
            await _stream.DisposeAsync().ConfigureAwait(false);
            _stopReading.Dispose();
        }
    }

    private void HandleLine(ReadOnlySpan<byte> line)
    {
        if (line.Trim(" \t\r"u8).IsEmpty)
            return; // blank lines are ignored, as the reference does

        var envelope = Envelope.ParseRequest(line);
        if (!envelope.IsValid)
        {
            lock (_outLock)
                Envelope.WriteError(_out, envelope.Id, "Invalid request: " + envelope.Problem + ".", IpcErrorCodes.ProtocolError);
            return;
        }

        var handler = _handler();
        if (handler is null)
        {
            lock (_outLock)
                Envelope.WriteError(_out, envelope.Id, "The server has no message handler.", IpcErrorCodes.HandlerError);
            return;
        }

        IpcResult result;
        _scratch.ResetWrittenCount();
        try
        {
            result = handler(new IpcRequest(envelope.Payload, _scratch, _abort.Token));
        }
        catch (Exception e)
        {
            lock (_outLock)
                Envelope.WriteError(_out, envelope.Id, e.Message, IpcErrorCodes.HandlerError);
            return;
        }

        switch (result.Kind)
        {
            case 0:
                lock (_outLock)
                    Envelope.WriteResponse(_out, envelope.Id, _scratch.WrittenCount == 0 ? "null"u8 : _scratch.WrittenSpan);
                break;
            case 1:
                lock (_outLock)
                    Envelope.WriteError(_out, envelope.Id, result.Message!, result.Code ?? IpcErrorCodes.HandlerError);
                break;
            default:
                var task = result.PendingReply!;
                if (task.IsCompleted)
                {
                    lock (_outLock)
                        WriteReply(envelope.Id, task);
                }
                else
                {
                    Track(envelope.Id.ToArray(), task);
                }

                break;
        }
    }

    private void Track(byte[] id, Task<IpcReply> task)
    {
        var key = Interlocked.Increment(ref _nextPending);
        var pending = new PendingRequest(id);
        _pending[key] = pending;
        Interlocked.Increment(ref _inFlight);
        task.ContinueWith(
            (t, state) => ((ServerConnection)state!).Complete(key, t),
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void Complete(long key, Task<IpcReply> task)
    {
        if (_pending.TryRemove(key, out var pending) && pending.TryAnswer())
        {
            bool startFlush;
            lock (_outLock)
            {
                WriteReply(pending.Id, task);
                startFlush = !_flushing && !_broken;
                if (startFlush)
                    _flushing = true;
            }

            if (startFlush)
                _ = FlushLoopAsync();
        }

        if (Interlocked.Decrement(ref _inFlight) < _options.MaxConcurrentRequestsPerConnection)
            Interlocked.Exchange(ref _slotFree, null)?.TrySetResult();
        if (Volatile.Read(ref _inFlight) == 0)
            Interlocked.Exchange(ref _idle, null)?.TrySetResult();
    }

    private void WriteReply(ReadOnlySpan<byte> id, Task<IpcReply> task)
    {
        if (task.IsCompletedSuccessfully && task.Result is { ErrorMessage: null } ok)
            Envelope.WriteResponse(_out, id, ok.Json.IsEmpty ? "null"u8 : ok.Json.Span);
        else if (task.IsCompletedSuccessfully)
            Envelope.WriteError(_out, id, task.Result.ErrorMessage!, task.Result.ErrorCode ?? IpcErrorCodes.HandlerError);
        else
            Envelope.WriteError(_out, id, task.Exception?.InnerException?.Message ?? "The handler was cancelled.", IpcErrorCodes.HandlerError);
    }

    private async Task WaitForSlotAsync()
    {
        while (Volatile.Read(ref _inFlight) >= _options.MaxConcurrentRequestsPerConnection && !_broken)
        {
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var current = Interlocked.CompareExchange(ref _slotFree, signal, null) ?? signal;
            if (Volatile.Read(ref _inFlight) < _options.MaxConcurrentRequestsPerConnection)
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
                await Task.WhenAny(idle.Task, Task.Delay(_options.CloseTimeout)).ConfigureAwait(false);
        }

        foreach (var key in _pending.Keys)
        {
            if (_pending.TryRemove(key, out var pending) && pending.TryAnswer())
            {
                lock (_outLock)
                    Envelope.WriteError(_out, pending.Id, "The server closed before the handler finished.", IpcErrorCodes.ShuttingDown);
            }
        }

        var flush = FlushAsync().AsTask();
        await Task.WhenAny(flush, Task.Delay(FinalFlushTimeout)).ConfigureAwait(false);
    }

    /// <summary>Writes what is buffered, unless another flush is running; waits when too much is queued.</summary>
    private ValueTask FlushAsync()
    {
        TaskCompletionSource? wait = null;
        lock (_outLock)
        {
            if (_broken || _out.WrittenCount == 0)
                return ValueTask.CompletedTask;
            if (_flushing)
            {
                if (_out.WrittenCount < HighWaterBytes)
                    return ValueTask.CompletedTask;
                wait = _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            else
            {
                _flushing = true;
            }
        }

        return wait is null ? new ValueTask(FlushLoopAsync()) : new ValueTask(wait.Task);
    }

    private async Task FlushLoopAsync()
    {
        while (true)
        {
            ArrayBufferWriter<byte> sending;
            lock (_outLock)
            {
                if (_out.WrittenCount == 0 || _broken)
                {
                    _flushing = false;
                    var drained = _drained;
                    _drained = null;
                    drained?.TrySetResult();
                    return;
                }

                sending = _out;
                _out = _spare;
            }

            try
            {
                await _stream.WriteAsync(sending.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (IsDisconnect(e))
            {
                lock (_outLock)
                    _broken = true;
                _abort.Cancel();
            }

            // Do not keep a huge buffer around after one big reply.
            var reuse = sending.Capacity > HighWaterBytes ? new ArrayBufferWriter<byte>(InitialBufferBytes) : sending;
            reuse.ResetWrittenCount();
            lock (_outLock)
                _spare = reuse;
        }
    }

    private static bool IsDisconnect(Exception e) =>
        e is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException;

    /// <summary>An asynchronous request awaiting its answer; answered exactly once (by its handler or by close).</summary>
    private sealed class PendingRequest(byte[] id)
    {
        private int _answered;

        public byte[] Id => id;

        public bool TryAnswer() => Interlocked.Exchange(ref _answered, 1) == 0;
    }
}
