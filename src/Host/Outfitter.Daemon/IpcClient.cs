using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using LanguageExt;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Functional;
using Outfitter.Daemon.Ipc;
using Outfitter.Daemon.Telemetry;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon;

/// <summary>
/// The IPC client, the reference's <c>createIpcClient</c>: connects to a daemon's socket (or named pipe), sends requests
/// concurrently over one connection and matches replies by id. Every failure is a <see cref="DaemonConnectionError"/>
/// value; every request has a deadline, so a client never hangs. Thread-safe.
/// <para>
/// Tracing: a request sent while an <see cref="Activity"/> is current carries its W3C trace context in the extra members
/// <c>"traceparent"</c> and <c>"tracestate"</c>, which our server continues and the TypeScript server ignores; when a
/// listener is attached to <see cref="DaemonTelemetry.ActivitySourceName"/>, the request also runs in a child client span
/// (<c>outfitter.daemon.ipc {type}</c>, kind Client, status Error on failure), and that span is the server span's parent.
/// Without a current activity nothing is added, so the line is the reference's byte for byte.
/// </para>
/// </summary>
public sealed class IpcClient : IAsyncDisposable
{
    private readonly TimeSpan? _connectTimeout;
    private readonly TimeSpan _requestTimeout;
    private readonly int _maxReplyBytes;
    private readonly string? _lockPath;
    private readonly bool _handshake;
    private readonly bool _holdLease;
    private readonly byte[] _helloPayload;
    private ServerHello? _server;
    private Task<ServerHello>? _hello;
    private int _holdsLease;
    private readonly TimeProvider _time;
    private readonly IIpcTransport _transport;
    private readonly DaemonLockService _locks;
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly ResiliencePipeline<Either<DaemonConnectionError, Unit>>? _connectPipeline;
    private Connection? _connection;
    private long _nextId;
    private long _nextOwnId;

    /// <summary>Creates a client over the given ports (the seam for tests and dependency injection).</summary>
    public IpcClient(string path, IpcClientOptions options, IIpcTransport transport, DaemonLockService locks)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException("The socket path is empty.", nameof(path));
        Path = path;
        ArgumentNullException.ThrowIfNull(options);

        // Copied once: later changes to the caller's options have no effect, and the client never writes to them.
        _connectTimeout = options.ConnectTimeout;
        _requestTimeout = options.RequestTimeout;
        _maxReplyBytes = options.MaxReplyBytes;
        _lockPath = options.LockPath;
        _handshake = options.Handshake;
        _holdLease = options.HoldLease;
        var hello = new ArrayBufferWriter<byte>(96);
        Handshake.WriteRequest(hello, options.ClientName ?? DefaultClientName());
        _helloPayload = hello.WrittenSpan.ToArray();
        _time = options.TimeProvider ?? OsPorts.Current.Time;
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        _locks = locks ?? throw new ArgumentNullException(nameof(locks));
        if (_connectTimeout is { } deadline)
            _connectPipeline = BuildConnectPipeline(deadline, _time);
    }

    /// <summary>The endpoint.</summary>
    public string Path { get; }

    /// <summary>
    /// What the daemon said about itself in its answer to the <c>hello</c> of the current connection, once that answer
    /// has arrived (<see cref="GetServerAsync"/> waits for it): its protocol, name, version, build, PID, start time and
    /// capabilities; <see cref="ServerHello.ProtocolOne"/> for a server that does not speak the handshake (the
    /// TypeScript reference). Null before the answer and when <see cref="IpcClientOptions.Handshake"/> is off.
    /// </summary>
    public ServerHello? Server => Volatile.Read(ref _server);

    /// <summary>True when the daemon granted the lease <see cref="IpcClientOptions.HoldLease"/> asked for on the current connection.</summary>
    public bool HoldsLease => Volatile.Read(ref _holdsLease) == 1;

    /// <summary>True while connected.</summary>
    public bool IsConnected => Volatile.Read(ref _connection) is { IsOpen: true, IsWritable: true };

    /// <summary>Creates a client for <paramref name="path"/> over this OS's transport.</summary>
    public static IpcClient Create(string path, IpcClientOptions? options = null) =>
        new(path, options ?? new IpcClientOptions(), OsPorts.Current.Transport, DaemonLockService.Os);

    /// <summary>
    /// Connects. Without <see cref="IpcClientOptions.ConnectTimeout"/> it fails at once: no socket →
    /// <see cref="DaemonConnectionError.ConnectionRefusedError"/>; a socket nobody answers whose daemon is dead →
    /// <see cref="DaemonConnectionError.StaleSocketError"/> naming that daemon's PID. With it, those are retried until the
    /// deadline. Connecting while connected does nothing.
    /// </summary>
    public async Task<Result<Done, DaemonConnectionError>> ConnectAsync(CancellationToken cancellationToken = default) =>
        (await ConnectCoreAsync(new ConnectAttempts(this), retry: true, cancellationToken).ConfigureAwait(false)).ToResult();

    /// <summary>
    /// <see cref="ConnectAsync"/> bounded to <paramref name="remaining"/> on <paramref name="time"/>: a caller with a
    /// deadline of its own (connect-or-start's start timeout) passes what is left of it, so that a
    /// <see cref="IpcClientOptions.ConnectTimeout"/> longer than that, with its retries, cannot carry the caller past its
    /// deadline. An attempt cut off there gives <see cref="DaemonConnectionError.ConnectionTimeoutError"/> and
    /// <c>CutOff</c>; the caller has then reached its deadline. At or after the deadline (nothing remains) it is one
    /// attempt without retries, the caller's last look. Without a connect timeout, or with one that ends first, there is
    /// nothing to bound (one attempt does not wait), and no timer is armed.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    internal async Task<(Either<DaemonConnectionError, Unit> Result, bool CutOff)> ConnectWithinAsync(TimeSpan remaining, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        var attempts = new ConnectAttempts(this);
        if (remaining <= TimeSpan.Zero)
            return (await ConnectCoreAsync(attempts, retry: false, cancellationToken).ConfigureAwait(false), false);
        if (_connectTimeout is not { } own || Clamp(own) <= remaining)
            return (await ConnectCoreAsync(attempts, retry: true, cancellationToken).ConfigureAwait(false), false);

        // Below the client's own cap of one day (Clamp), so within what a timed CancellationTokenSource accepts.
        using var deadline = new CancellationTokenSource(remaining, time);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return (await ConnectCoreAsync(attempts, retry: true, bounded.Token).ConfigureAwait(false), false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The caller's deadline, not its cancellation: a value, and what kept failing until then.
            return (new DaemonConnectionError.ConnectionTimeoutError(
                (long)remaining.TotalMilliseconds, $"connect to {Path}, cut off by the caller's deadline", RequestSent: false, attempts.LastFailure.MatchUnsafe(e => e, () => (DaemonConnectionError?)null)), true);
        }
    }

    private async Task<Either<DaemonConnectionError, Unit>> ConnectCoreAsync(ConnectAttempts attempts, bool retry, CancellationToken cancellationToken)
    {
        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (IsConnected)
                return unit;
            if (!retry || _connectPipeline is null)
                return await attempts.TryAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await _connectPipeline.ExecuteAsync(static async (attempts, token) => await attempts.TryAsync(token).ConfigureAwait(false), attempts, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutRejectedException)
            {
                // Say what kept failing (a stale socket left by PID N, refused, missing), not only that time ran out.
                return new DaemonConnectionError.ConnectionTimeoutError(
                    (long)_connectTimeout!.Value.TotalMilliseconds, $"connect to {Path}", RequestSent: false, attempts.LastFailure.MatchUnsafe(e => e, () => (DaemonConnectionError?)null));
            }
        }
        finally
        {
            _connectGate.Release();
        }
    }

    /// <summary>One connect with retries: remembers the last failure for the timeout error.</summary>
    private sealed class ConnectAttempts(IpcClient client)
    {
        public Option<DaemonConnectionError> LastFailure { get; private set; }

        public async Task<Either<DaemonConnectionError, Unit>> TryAsync(CancellationToken cancellationToken)
        {
            var result = await client.ConnectOnceAsync(cancellationToken).ConfigureAwait(false);
            result.IfLeft(error => LastFailure = Some(error));
            return result;
        }
    }

    private async Task<Either<DaemonConnectionError, Unit>> ConnectOnceAsync(CancellationToken cancellationToken)
    {
        var attempt = await _transport.ConnectAsync(Path, cancellationToken).ConfigureAwait(false);
        if (attempt.IsLeft)
            return Classify(attempt.Match(_ => throw new InvalidOperationException(), failure => failure));
        var stream = attempt.Match(s => s, _ => throw new InvalidOperationException());
        var connection = new Connection(stream, _maxReplyBytes);
        var previous = Interlocked.Exchange(ref _connection, connection);
        connection.Start();

        // A previous connection that stopped taking requests keeps reading the replies still owed to it.
        if (previous is { HasPending: false })
            previous.Close("replaced by a new connection");
        Volatile.Write(ref _holdsLease, 0);
        Volatile.Write(ref _server, null);
        if (_handshake)
            Volatile.Write(ref _hello, await BeginHandshakeAsync(connection, cancellationToken).ConfigureAwait(false));
        return unit;
    }

    /// <summary>How long <see cref="GetServerAsync"/> waits for a hello answer: a server that never answers is protocol 1 after this.</summary>
    private TimeSpan HandshakeTimeout => _requestTimeout < MaxHandshakeWait ? _requestTimeout : MaxHandshakeWait;

    private static readonly TimeSpan MaxHandshakeWait = TimeSpan.FromSeconds(5);

    private static readonly byte[] LeasePayload = "{\"type\":\"lease\"}"u8.ToArray();

    /// <summary>
    /// What the daemon says about itself (the <c>hello</c> answer on the current connection), waiting for it when it has
    /// not arrived yet: at most the request timeout, and never more than 5 s. <see cref="ServerHello.ProtocolOne"/> for a
    /// server that does not speak the handshake or did not answer it in time; null when not connected or when
    /// <see cref="IpcClientOptions.Handshake"/> is off. Connecting does not wait for the answer: the hello is written
    /// first and answered in order with the requests after it, so it adds no round trip to a call.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async Task<ServerHello?> GetServerAsync(CancellationToken cancellationToken = default)
    {
        var hello = Volatile.Read(ref _hello);
        if (hello is null)
            return null;
        try
        {
            return await hello.WaitAsync(HandshakeTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return ServerHello.ProtocolOne;
        }
    }

    /// <summary>
    /// Writes <c>hello</c> on a new connection and returns the task that reads its answer (<see cref="Server"/>), then
    /// asks for the lease when asked to and offered. Never fails the connect: a hello that cannot be written, an error
    /// reply, another answer or a closed connection all mean protocol 1, and the next request reports a connection
    /// problem itself.
    /// </summary>
    private async Task<Task<ServerHello>> BeginHandshakeAsync(Connection connection, CancellationToken cancellationToken)
    {
        var reply = await WriteOwnRequestAsync(connection, _helloPayload, cancellationToken).ConfigureAwait(false);
        if (reply is null)
        {
            Volatile.Write(ref _server, ServerHello.ProtocolOne);
            return Task.FromResult(ServerHello.ProtocolOne);
        }

        return CompleteHandshakeAsync(connection, reply);
    }

    private async Task<ServerHello> CompleteHandshakeAsync(Connection connection, Task<Either<DaemonConnectionError, ReadOnlyMemory<byte>>> reply)
    {
        var hello = Handshake.Interpret((await reply.ConfigureAwait(false)).MatchUnsafe(json => (ReadOnlyMemory<byte>?)json, _ => null));
        if (Volatile.Read(ref _connection) == connection)
            Volatile.Write(ref _server, hello);
        if (_holdLease && hello.Supports(ProtocolExtensions.IdleCapability)
            && await WriteOwnRequestAsync(connection, LeasePayload, CancellationToken.None).ConfigureAwait(false) is { } lease
            && (await lease.ConfigureAwait(false)).IsRight
            && Volatile.Read(ref _connection) == connection)
            Volatile.Write(ref _holdsLease, 1);
        return hello;
    }

    /// <summary>Writes one request of the client's own (no trace context); the task of its answer, or null when it could not be written.</summary>
    private async Task<Task<Either<DaemonConnectionError, ReadOnlyMemory<byte>>>?> WriteOwnRequestAsync(Connection connection, byte[] payload, CancellationToken cancellationToken)
    {
        // Ids of its own ("c1", "c2", …) beside the caller's ("1", "2", …): a caller's first request is still "1".
        var id = "c" + Interlocked.Increment(ref _nextOwnId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var reply = connection.Register(id);
        var written = await connection.WriteRequestAsync(id, payload, null, null, cancellationToken).ConfigureAwait(false);
        if (written.IsNone)
            return reply;
        connection.Forget(id);
        cancellationToken.ThrowIfCancellationRequested();
        return null;
    }

    private static string DefaultClientName()
    {
        var me = DaemonIdentity.OfEntryAssembly();
        var plus = me.Version.IndexOf('+', StringComparison.Ordinal);
        return me.Name + "/" + (plus > 0 ? me.Version[..plus] : me.Version);
    }

    private DaemonConnectionError Classify(ConnectFailure failure)
    {
        if (failure != ConnectFailure.Refused)
            return EndpointDecisions.ClassifyConnectFailure(Path, failure, None, None);
        var lockPath = Optional(_lockPath).Filter(p => p.Length > 0) || SocketPaths.SiblingLockPath(Path);
        return EndpointDecisions.ClassifyConnectFailure(
            Path,
            failure,
            lockPath.Map(_locks.Inspect),
            lockPath.Bind(_locks.ReadPid));
    }

    // Polly accepts timeouts from 10 ms to 1 day; a shorter deadline still gets its one attempt, a longer one is capped.
    private static TimeSpan Clamp(TimeSpan deadline) =>
        deadline < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : deadline > TimeSpan.FromDays(1) ? TimeSpan.FromDays(1) : deadline;

    private static ResiliencePipeline<Either<DaemonConnectionError, Unit>> BuildConnectPipeline(TimeSpan deadline, TimeProvider time) =>
        new ResiliencePipelineBuilder<Either<DaemonConnectionError, Unit>> { TimeProvider = time }
            .AddTimeout(Clamp(deadline))
            .AddRetry(new RetryStrategyOptions<Either<DaemonConnectionError, Unit>>
            {
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Result is { IsLeft: true } result && result.Match(_ => false, EndpointDecisions.IsTransient)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(10),
                MaxDelay = TimeSpan.FromMilliseconds(250),
            })
            .Build();

    /// <summary>
    /// Sends a request whose payload is the given UTF-8 JSON value and returns the reply's payload JSON. Fails with
    /// <see cref="DaemonConnectionError.ConnectionTimeoutError"/> after <see cref="IpcClientOptions.RequestTimeout"/>, and
    /// with <see cref="DaemonConnectionError.RequestCancelledError"/> when <paramref name="cancellationToken"/> is
    /// cancelled (in both cases a late reply is discarded, and a request already sent is followed by a <c>cancel</c> line,
    /// so a daemon of this library cancels the handler's token; the reference ignores it);
    /// <see cref="DaemonConnectionError.RemoteError"/> for an error reply; <see cref="DaemonConnectionError.ConnectionClosedError"/>
    /// when the connection drops first. Every error tells whether retrying is safe
    /// (<see cref="DaemonConnectionError.IsSafeToRetry"/>: never sent, or refused with <c>SHUTTING_DOWN</c>) or the outcome
    /// is unknown (<see cref="DaemonConnectionError.OutcomeUnknown"/>: sent, then the connection was lost or the reply late).
    /// </summary>
    public async Task<Result<ReadOnlyMemory<byte>, DaemonConnectionError>> SendRawAsync(ReadOnlyMemory<byte> payloadJson, CancellationToken cancellationToken = default) =>
        (await SendRawCoreAsync(payloadJson, cancellationToken).ConfigureAwait(false)).ToResult();

    private Task<Either<DaemonConnectionError, ReadOnlyMemory<byte>>> SendRawCoreAsync(ReadOnlyMemory<byte> payloadJson, CancellationToken cancellationToken)
    {
        // The trace context travels only when the caller is inside one: a request made outside any trace is the
        // reference's envelope byte for byte, whoever listens in this process.
        var current = Activity.Current;
        return current is null
            ? SendOnceAsync(payloadJson, null, null, cancellationToken)
            : SendTracedAsync(current, payloadJson, cancellationToken);
    }

    private async Task<Either<DaemonConnectionError, ReadOnlyMemory<byte>>> SendTracedAsync(Activity current, ReadOnlyMemory<byte> payloadJson, CancellationToken cancellationToken)
    {
        using var span = DaemonInstruments.Source.HasListeners() ? StartClientSpan(payloadJson.Span) : null;
        var context = span ?? current;
        var (traceParent, traceState) = context.IdFormat == ActivityIdFormat.W3C ? (context.Id, context.TraceStateString) : (null, null);
        var result = await SendOnceAsync(payloadJson, traceParent, traceState, cancellationToken).ConfigureAwait(false);
        if (span is not null && result.IsLeft)
        {
            var error = result.Match(_ => throw new InvalidOperationException(), e => e);
            span.SetTag(DaemonInstruments.ErrorTypeTag, error is DaemonConnectionError.RemoteError remote ? remote.Code ?? error.Tag : error.Tag);
            span.SetStatus(ActivityStatusCode.Error, error.Message);
        }

        return result;
    }

    private Activity? StartClientSpan(ReadOnlySpan<byte> payload)
    {
        Span<byte> buffer = stackalloc byte[RequestTypeNames.MaxNameBytes];
        var length = PayloadFields.TryGetString(payload, "type"u8, buffer);
        var type = length >= 0 ? System.Text.Encoding.UTF8.GetString(buffer[..length])
            : PayloadFields.TryGetRaw(payload, "type"u8, out _) ? RequestTypeNames.Other : RequestTypeNames.None;
        var span = DaemonInstruments.Source.StartActivity("outfitter.daemon.ipc " + type, ActivityKind.Client);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("rpc.system", "outfitter.daemon");
            span.SetTag("rpc.method", type);
            span.SetTag("network.transport", SocketPaths.IsNamedPipe(Path) ? "pipe" : "unix");
            span.SetTag(DaemonInstruments.ServerAddressTag, Path);
        }

        return span;
    }

    private async Task<Either<DaemonConnectionError, ReadOnlyMemory<byte>>> SendOnceAsync(ReadOnlyMemory<byte> payloadJson, string? traceParent, string? traceState, CancellationToken cancellationToken)
    {
        var connection = Volatile.Read(ref _connection);
        if (connection is not { IsOpen: true })
            return new DaemonConnectionError.ConnectionClosedError($"not connected to {Path}; call ConnectAsync first");
        if (connection.NotWritableReason is { } refused)
            return new DaemonConnectionError.ConnectionClosedError($"the server stopped taking requests on this connection ({refused}); connect again");
        var id = Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var reply = connection.Register(id);
        var written = await connection.WriteRequestAsync(id, payloadJson, traceParent, traceState, cancellationToken).ConfigureAwait(false);
        if (written.IsSome)
        {
            connection.Forget(id);
            return (DaemonConnectionError)written;
        }

        try
        {
            return await reply.WaitAsync(_requestTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // Given up: a late reply is dropped, and the daemon is asked to stop the handler (protocol 2's cancel; the
            // reference ignores it). Never waited for: the caller's outcome is decided here.
            connection.Forget(id);
            connection.SendCancel(id);
            return e is TimeoutException
                ? new DaemonConnectionError.ConnectionTimeoutError((long)_requestTimeout.TotalMilliseconds, "request", RequestSent: true)
                : new DaemonConnectionError.RequestCancelledError(RequestSent: true);
        }
    }

    /// <summary>Sends <paramref name="message"/> and reads the reply payload as <typeparamref name="TResult"/>, with source-generated metadata (trim- and AOT-safe).</summary>
    public async Task<Result<TResult, DaemonConnectionError>> SendAsync<TMessage, TResult>(
        TMessage message, JsonTypeInfo<TMessage> messageType, JsonTypeInfo<TResult> resultType, CancellationToken cancellationToken = default)
    {
        var reply = await SendRawCoreAsync(JsonSerializer.SerializeToUtf8Bytes(message, messageType), cancellationToken).ConfigureAwait(false);
        return reply.Bind(json => Deserialize(json, resultType)).ToResult();
    }

    /// <summary>Sends a JSON payload and returns the reply payload as a <see cref="JsonElement"/> (trim- and AOT-safe).</summary>
    public async Task<Result<JsonElement, DaemonConnectionError>> SendAsync(JsonElement message, CancellationToken cancellationToken = default)
    {
        // Written with relaxed escaping: non-ASCII text goes out as UTF-8, as the TypeScript client sends it.
        var payload = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(payload, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            message.WriteTo(writer);
        var reply = await SendRawCoreAsync(payload.WrittenMemory, cancellationToken).ConfigureAwait(false);
        return reply.Bind(json => Deserialize(json, IpcJsonContext.Default.JsonElement)).ToResult();
    }

    /// <summary>
    /// Sends <paramref name="message"/> and reads the reply payload as <typeparamref name="T"/>, as the reference's
    /// <c>send&lt;T&gt;</c>, using reflection-based System.Text.Json (use the <see cref="JsonTypeInfo{T}"/> overload in trimmed or AOT apps).
    /// </summary>
    [RequiresUnreferencedCode("Uses reflection-based JSON; use the JsonTypeInfo<T> overload for trimming.")]
    [RequiresDynamicCode("Uses reflection-based JSON; use the JsonTypeInfo<T> overload for AOT.")]
    public async Task<Result<T, DaemonConnectionError>> SendAsync<T>(object? message, CancellationToken cancellationToken = default)
    {
        var reply = await SendRawCoreAsync(JsonSerializer.SerializeToUtf8Bytes(message), cancellationToken).ConfigureAwait(false);
        return reply.Bind(json =>
        {
            try
            {
                return Right<DaemonConnectionError, T>(JsonSerializer.Deserialize<T>(json.Span)!);
            }
            catch (JsonException e)
            {
                return Left<DaemonConnectionError, T>(new DaemonConnectionError.ProtocolError($"the reply payload is not a {typeof(T).Name}: {e.Message}"));
            }
        }).ToResult();
    }

    private static Either<DaemonConnectionError, T> Deserialize<T>(ReadOnlyMemory<byte> json, JsonTypeInfo<T> type)
    {
        try
        {
            return Right<DaemonConnectionError, T>(JsonSerializer.Deserialize(json.Span, type)!);
        }
        catch (JsonException e)
        {
            return Left<DaemonConnectionError, T>(new DaemonConnectionError.ProtocolError($"the reply payload is not a {typeof(T).Name}: {e.Message}"));
        }
    }

    /// <summary>Closes the connection; pending requests fail with <see cref="DaemonConnectionError.ConnectionClosedError"/>. Idempotent; connect again afterwards if needed.</summary>
    public void Close() => Interlocked.Exchange(ref _connection, null)?.Close("the client was closed");

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }

    /// <summary>One open connection: a reader task that matches replies to pending requests by id.</summary>
    private sealed class Connection(IIpcStream stream, int maxReplyBytes)
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource<Either<DaemonConnectionError, ReadOnlyMemory<byte>>>> _pending = new(StringComparer.Ordinal);
        private readonly SemaphoreSlim _writeLock = new(1, 1);
        private readonly CancellationTokenSource _closing = new();
        private int _closed;
        private string? _notWritable;

        public bool IsOpen => Volatile.Read(ref _closed) == 0;

        /// <summary>False once a write failed: no new requests, but replies to those already sent are still read.</summary>
        public bool IsWritable => Volatile.Read(ref _notWritable) is null;

        public string? NotWritableReason => Volatile.Read(ref _notWritable);

        public bool HasPending => !_pending.IsEmpty;

        public void Start() => _ = Task.Run(ReadLoopAsync);

        public Task<Either<DaemonConnectionError, ReadOnlyMemory<byte>>> Register(string id)
        {
            var reply = new TaskCompletionSource<Either<DaemonConnectionError, ReadOnlyMemory<byte>>>(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending[id] = reply;
            if (!IsOpen && _pending.TryRemove(id, out _))
                reply.TrySetResult(new DaemonConnectionError.ConnectionClosedError("the connection is closed"));
            return reply.Task;
        }

        public void Forget(string id) => _pending.TryRemove(id, out _);

        public async Task<Option<DaemonConnectionError>> WriteRequestAsync(string id, ReadOnlyMemory<byte> payload, string? traceParent, string? traceState, CancellationToken cancellationToken)
        {
            var line = new ArrayBufferWriter<byte>(payload.Length + id.Length + 48 + (traceParent is null ? 0 : 80 + (traceState?.Length ?? 0)));
            Envelope.WriteRequest(line, id, payload.Span, traceParent, traceState);
            try
            {
                await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return Some<DaemonConnectionError>(new DaemonConnectionError.RequestCancelledError(RequestSent: false));
            }

            string problem;
            try
            {
                var written = await stream.WriteAsync(line.WrittenMemory, _closing.Token).ConfigureAwait(false);
                if (written.IsWritten)
                    return None;
                problem = StreamFailures.Describe(written.Failure);
            }
            catch (OperationCanceledException)
            {
                problem = "the client was closed";
            }
            finally
            {
                _writeLock.Release();
            }

            // Not sent: a line is executed only once its newline arrives, and a server that stopped reading refuses
            // the whole write (a graceful close answers everything it received). The connection takes no more
            // requests, but stays open for reading: replies to requests written before are still on their way, and
            // the reader ends the connection at the server's end of stream (or when it breaks).
            Interlocked.CompareExchange(ref _notWritable, problem, null);
            return Some<DaemonConnectionError>(new DaemonConnectionError.ConnectionClosedError("writing the request failed: " + problem, RequestSent: false));
        }

        /// <summary>
        /// Sends <c>{"id":ID,"type":"cancel"}</c> for a request this connection wrote and no longer waits for; best effort
        /// and in the background: the caller never waits for it and it never throws. Behind the write lock (it never
        /// interleaves with a request line), so it waits only for writes already queued, and at most until the connection
        /// closes. Skipped when the connection cannot be written; a failed write stops the connection taking requests, as
        /// a failed request write does (part of the line may have gone out).
        /// </summary>
        public void SendCancel(string id)
        {
            if (IsOpen && IsWritable)
                _ = SendCancelAsync(id);
        }

        private async Task SendCancelAsync(string id)
        {
            var line = new ArrayBufferWriter<byte>(id.Length + 32);
            Envelope.WriteCancel(line, id);
            try
            {
                await _writeLock.WaitAsync(_closing.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return; // closed meanwhile: the server drops the connection's requests anyway
            }

            try
            {
                if (!IsWritable)
                    return;
                var written = await stream.WriteAsync(line.WrittenMemory, _closing.Token).ConfigureAwait(false);
                if (!written.IsWritten)
                    Interlocked.CompareExchange(ref _notWritable, StreamFailures.Describe(written.Failure), null);
            }
            catch (OperationCanceledException)
            {
                // The client was closed while the line was being written.
            }
            finally
            {
                _writeLock.Release();
            }
        }

        public void Close(string reason)
        {
            if (Interlocked.Exchange(ref _closed, 1) == 1)
                return;
            _closing.Cancel();
            _ = stream.DisposeAsync();
            foreach (var id in _pending.Keys)
            {
                if (_pending.TryRemove(id, out var reply))
                    reply.TrySetResult(new DaemonConnectionError.ConnectionClosedError(reason, RequestSent: true));
            }
        }

        private async Task ReadLoopAsync()
        {
            using var frames = new FrameBuffer(maxReplyBytes);
            var reason = "the server closed the connection";
            try
            {
                while (IsOpen)
                {
                    var read = await stream.ReadAsync(frames.WritableMemory(), _closing.Token).ConfigureAwait(false);
                    if (read.IsFailed)
                    {
                        reason = IsOpen ? "the connection broke: " + StreamFailures.Describe(read.Failure) : "the client was closed";
                        break;
                    }

                    if (read.IsEndOfStream || read.Count == 0)
                        break;
                    frames.Advance(read.Count);
                    FrameScan scan;
                    while ((scan = frames.Next(out var line)) == FrameScan.Line)
                        Dispatch(line);
                    if (scan == FrameScan.TooLarge)
                    {
                        reason = $"a reply exceeded {maxReplyBytes} bytes";
                        break;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                reason = "the client was closed";
            }

            Close(reason);
        }

        private void Dispatch(ReadOnlySpan<byte> line)
        {
            if (line.Trim(" \t\r"u8).IsEmpty)
                return;
            var reply = Envelope.ParseReply(line);
            if (reply is null)
            {
                Close("the server sent a line that is not a reply");
                return;
            }

            // A reply nobody waits for (its request timed out) is dropped here.
            if (reply.Id is null || !_pending.TryRemove(reply.Id, out var waiting))
                return;
            waiting.TrySetResult(reply.IsError
                ? reply.ErrorCode == IpcErrorCodes.ProtocolError
                    ? new DaemonConnectionError.ProtocolError(reply.ErrorMessage)
                    : new DaemonConnectionError.RemoteError(reply.ErrorMessage, reply.ErrorCode)
                : Right<DaemonConnectionError, ReadOnlyMemory<byte>>(reply.Payload));
        }
    }
}
