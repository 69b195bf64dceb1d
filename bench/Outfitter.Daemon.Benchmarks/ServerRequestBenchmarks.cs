using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using System.Threading.Tasks.Sources;
using BenchmarkDotNet.Attributes;
using LanguageExt;
using Outfitter.Daemon;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Ipc;

/// <summary>
/// The server's whole per-request path, as a connection runs it: one read of 32 echo requests is framed, parsed, routed,
/// answered in place and written back with one write, by the real <c>ServerConnection</c> read loop over an in-memory
/// stream (no socket, so only our code is measured). Each operation is one request (32 per invocation). Compares no
/// listener at all with a <see cref="MeterListener"/> and/or an <see cref="ActivityListener"/> attached to the daemon's
/// meter and source (both named <c>Outfitter.Daemon</c>; the literal keeps this file buildable against older versions,
/// which have neither, for before/after runs).
/// </summary>
[MemoryDiagnoser]
public class ServerRequestBenchmarks
{
    private const int Batch = 32;
    private const string TelemetryName = "Outfitter.Daemon";
    private BatchStream _stream = null!;
    private Task _loop = Task.CompletedTask;
    private MeterListener? _meters;
    private ActivityListener? _activities;
    private long _measurements;

    /// <summary>Who listens: nobody, a meter listener, an activity listener, or both.</summary>
    [Params("none", "meter", "activity", "both")]
    public string Listener { get; set; } = "none";

    /// <summary>Payload bytes of each echo request.</summary>
    [Params(64)]
    public int PayloadBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        if (Listener is "meter" or "both")
        {
            _meters = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Name == TelemetryName)
                        listener.EnableMeasurementEvents(instrument);
                },
            };
            _meters.SetMeasurementEventCallback<long>((_, _, _, _) => Interlocked.Increment(ref _measurements));
            _meters.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref _measurements));
            _meters.Start();
        }

        if (Listener is "activity" or "both")
        {
            _activities = new ActivityListener
            {
                ShouldListenTo = source => source.Name == TelemetryName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            };
            ActivitySource.AddActivityListener(_activities);
        }

        var data = new string('x', PayloadBytes);
        var batch = new StringBuilder();
        for (var i = 0; i < Batch; i++)
            batch.Append($$$"""{"id":"{{{i + 100000}}}","type":"request","payload":{"type":"echo","data":"{{{data}}}"}}""").Append('\n');
        _stream = new BatchStream(Encoding.UTF8.GetBytes(batch.ToString()));
        var router = new IpcRouter().MapBuiltins();
        IpcRequestHandler handler = router.Handle;
        var connection = new ServerConnection(_stream, () => handler, IpcServerSettings.From(new IpcServerOptions()), TimeProvider.System);
        _loop = Task.Run(connection.RunAsync);
        _stream.WaitUntilIdle();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stream.End();
        _loop.GetAwaiter().GetResult();
        _meters?.Dispose();
        _activities?.Dispose();
    }

    /// <summary>One read of 32 requests through the connection's loop, answered with one write.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int ThirtyTwoEchoRequests()
    {
        _stream.DeliverBatch();
        return _stream.BytesWritten;
    }

    /// <summary>
    /// A stream that hands the read loop one batch each time the benchmark asks, inline on the benchmark's thread: the
    /// loop's idle zero-byte read stays pending until <see cref="DeliverBatch"/> completes it, the batch is then read,
    /// processed and written synchronously, and the loop is back at its idle read when the call returns.
    /// </summary>
    private sealed class BatchStream(byte[] batch) : IIpcStream, IValueTaskSource<StreamRead>
    {
        private ManualResetValueTaskSourceCore<StreamRead> _idle = new() { RunContinuationsAsynchronously = false };
        private readonly ManualResetEventSlim _waiting = new();
        private bool _hasBatch;
        private bool _ended;

        public int BytesWritten { get; private set; }

        public Option<PeerCredentials> Peer => Option<PeerCredentials>.None;

        public void WaitUntilIdle() => _waiting.Wait();

        public void DeliverBatch()
        {
            _waiting.Reset();
            _hasBatch = true;
            _idle.SetResult(StreamRead.Received(0));
            _waiting.Wait(); // already set when the loop ran inline, as it does
        }

        public void End()
        {
            _waiting.Reset();
            _ended = true;
            _idle.SetResult(StreamRead.EndOfStream);
        }

        public ValueTask<StreamRead> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            if (buffer.IsEmpty)
            {
                if (_ended)
                    return ValueTask.FromResult(StreamRead.EndOfStream);
                _idle.Reset();
                _waiting.Set();
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
