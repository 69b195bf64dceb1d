using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using LanguageExt;
using LanguageExt.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Errors;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Paths;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Functional;
using Outfitter.Daemon.Ipc;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon;

/// <summary>
/// The IPC server, the reference's <c>createIpcServer</c>: newline-delimited JSON over a Unix socket (or a named pipe),
/// byte-compatible with the TypeScript package. Beyond the reference: it never takes over a live server's socket, answers
/// every malformed line with an error, bounds line length and in-flight requests, applies backpressure without losing
/// replies, refuses other users, and closes gracefully. Thread-safe.
/// </summary>
public sealed partial class IpcServer : IAsyncDisposable
{
    private const int Backlog = 512;
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(3);
    private readonly IpcServerSettings _settings;
    private readonly IIpcTransport _transport;
    private readonly IDirectories _directories;
    private readonly TimeProvider _time;
    private readonly OsFamily _os;
    private readonly uint _uid;
    private readonly ILogger _logger;
    private readonly ServerTelemetry _telemetry;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<ServerConnection, Task> _connections = new();
    private IpcRequestHandler? _handler;
    private Func<ServerHello>? _hello;
    private DaemonIdentity _identity = DaemonIdentity.OfEntryAssembly();
    private DateTimeOffset? _startedAt;
    private IIpcListener? _listener;
    private CancellationTokenSource? _accepting;
    private Task? _acceptLoop;
    private int _closedSinceCheck;
    private int _gen0AtLastCheck = -1;
    private int _induced;

    /// <summary>
    /// Creates a server over the given ports (the seam for tests and dependency injection). The options are copied and
    /// validated here, once: later changes to <paramref name="options"/> have no effect, and the server never writes to it.
    /// </summary>
    /// <param name="path">The endpoint: a Unix socket path, or <c>\\.\pipe\name</c>.</param>
    /// <param name="options">The server's options (copied).</param>
    /// <param name="transport">The IPC transport.</param>
    /// <param name="directories">Creates the socket's parent directories.</param>
    /// <param name="runtime">This platform and user, observed once: which paths are valid, and whose connections are accepted.</param>
    /// <param name="time">The clock for the server's pauses (the accept back-off); tests pass a fake.</param>
    /// <param name="logger">
    /// Where the server and its connections log, with a scope per connection (<c>ConnectionId</c>, <c>PeerPid</c>) and per
    /// request (<c>RequestId</c>, <c>RequestType</c>) while logging is enabled; none when null. The daemon's own category is
    /// <see cref="DaemonLogCategories.Ipc"/>: <c>loggerFactory.CreateLogger(DaemonLogCategories.Ipc)</c>.
    /// </param>
    /// <exception cref="ArgumentException">The path is empty or the options are invalid; the message lists every problem.</exception>
    public IpcServer(string path, IpcServerOptions options, IIpcTransport transport, IDirectories directories, IRuntimeEnvironment runtime, TimeProvider time, ILogger? logger = null)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException("The socket path is empty.", nameof(path));
        _settings = IpcServerSettings.From(options);
        Path = path;
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        _directories = directories ?? throw new ArgumentNullException(nameof(directories));
        ArgumentNullException.ThrowIfNull(runtime);
        var facts = runtime.Observe();
        _os = facts.Os;
        _uid = facts.UserId;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? NullLogger.Instance;
        _telemetry = new ServerTelemetry(path, _logger, time);
    }

    /// <summary>The endpoint: a Unix socket path, or <c>\\.\pipe\name</c>.</summary>
    public string Path { get; }

    /// <summary>True between a successful <see cref="ListenAsync"/> and <see cref="CloseAsync"/>.</summary>
    public bool IsListening => Volatile.Read(ref _listener) is not null;

    /// <summary>How many connections are open.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>
    /// The server's live counters (requests, errors, connections, in-flight requests, protocol errors), kept whether or
    /// not a metrics listener is attached; cheap to read (a short lock, no allocation). Totals count from the server's creation and
    /// survive closing and listening again.
    /// </summary>
    public IpcServerCounters Counters => _telemetry.Snapshot();

    /// <summary>How many collections connection churn has induced (<see cref="IpcServerOptions.CollectAfterClosedConnections"/>).</summary>
    internal int InducedCollections => Volatile.Read(ref _induced);

    /// <summary>Creates a server for <paramref name="path"/> over this OS's transport (named pipe for <c>\\.\pipe\…</c>, else a Unix socket).</summary>
    /// <param name="path">The endpoint.</param>
    /// <param name="options">The server's options (copied; default options when null).</param>
    /// <param name="logger">Where the server and its connections log (with connection and request scopes); none when null.</param>
    /// <exception cref="ArgumentException">The path is empty or the options are invalid; the message lists every problem.</exception>
    public static IpcServer Create(string path, IpcServerOptions? options = null, ILogger? logger = null) =>
        new(path, options ?? new IpcServerOptions(), OsPorts.Current.Transport, OsPorts.Current.Directories, OsPorts.Current.Runtime, OsPorts.Current.Time, logger)
        {
            Identity = DaemonIdentity.OfEntryAssembly() with { Pid = OsPorts.Current.Processes.Current.Pid },
        };

    /// <summary>Sets the fast-path handler (see <see cref="IpcRequestHandler"/>); replaces any earlier handler.</summary>
    public void OnRequest(IpcRequestHandler handler) => Volatile.Write(ref _handler, handler ?? throw new ArgumentNullException(nameof(handler)));

    /// <summary>
    /// What this server says about itself in its answer to the <c>hello</c> handshake (the PID, the time it started
    /// listening and its capabilities are added). Starts as <see cref="DaemonIdentity.OfEntryAssembly"/>; <c>DaemonHost</c>
    /// sets the daemon's. The server answers <c>{"type":"hello","protocol":N,…}</c> itself, before the request handler,
    /// and does not count it as a request (counters, metrics, spans); a <c>hello</c> payload without a numeric
    /// <c>protocol</c> goes to the handler like any other message.
    /// </summary>
    public DaemonIdentity Identity
    {
        get => Volatile.Read(ref _identity);
        set => Volatile.Write(ref _identity, value ?? throw new ArgumentNullException(nameof(value)));
    }

    /// <summary>The extensions every <see cref="IpcServer"/> supports, announced in its hello answer.</summary>
    internal static IReadOnlyList<string> Capabilities { get; } = [ProtocolExtensions.CancelCapability];

    /// <summary>What the server answers to <c>hello</c> now.</summary>
    internal ServerHello Hello()
    {
        var identity = Identity;
        return new ServerHello(
            ProtocolExtensions.Protocol,
            identity.Name,
            identity.Version,
            identity.Build,
            identity.Pid,
            _startedAt,
            [.. Capabilities, .. identity.ExtraCapabilities.Where(c => !Capabilities.Contains(c, StringComparer.Ordinal)).Distinct(StringComparer.Ordinal)],
            identity.OptionsHash);
    }



    /// <summary>
    /// Sets the handler, as the reference's <c>onMessage</c>: it receives the request's payload and returns the reply's
    /// payload, serialized with reflection-based System.Text.Json (use the <see cref="JsonTypeInfo{T}"/> overload in
    /// trimmed or AOT apps). An exception becomes an error reply.
    /// </summary>
    [RequiresUnreferencedCode("Serializes handler results with reflection; use the JsonTypeInfo<T> overload for trimming.")]
    [RequiresDynamicCode("Serializes handler results with reflection; use the JsonTypeInfo<T> overload for AOT.")]
    public void OnMessage(Func<JsonElement, CancellationToken, Task<object?>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        OnRequest(request => IpcResult.Pending(RunAsync(handler, request.ParsePayload(), request.Aborted)));

        static async Task<IpcReply> RunAsync(Func<JsonElement, CancellationToken, Task<object?>> handler, JsonElement payload, CancellationToken aborted)
        {
            try
            {
                var result = await handler(payload, aborted).ConfigureAwait(false);
                return IpcReply.FromJson(JsonSerializer.SerializeToUtf8Bytes(result));
            }
            catch (Exception e)
            {
                return IpcReply.Failure(e.Message, IpcErrorCodes.HandlerError);
            }
        }
    }

    /// <summary>Sets the handler with source-generated result metadata (trim- and AOT-safe). An exception becomes an error reply.</summary>
    public void OnMessage<TResult>(Func<JsonElement, CancellationToken, ValueTask<TResult>> handler, JsonTypeInfo<TResult> resultType)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(resultType);
        OnRequest(request => IpcResult.Pending(RunAsync(handler, resultType, request.ParsePayload(), request.Aborted)));

        static async Task<IpcReply> RunAsync(Func<JsonElement, CancellationToken, ValueTask<TResult>> handler, JsonTypeInfo<TResult> type, JsonElement payload, CancellationToken aborted)
        {
            try
            {
                return IpcReply.From(await handler(payload, aborted).ConfigureAwait(false), type);
            }
            catch (Exception e)
            {
                return IpcReply.Failure(e.Message, IpcErrorCodes.HandlerError);
            }
        }
    }

    /// <summary>
    /// Starts listening. A dead socket file at the path is removed and reused; a live server there, or a file that is not
    /// a socket, is refused (never deleted). Missing parent directories are created 0700; the socket file is 0600.
    /// Listening twice is harmless.
    /// </summary>
    public async Task<Result<Done, IpcListenError>> ListenAsync(CancellationToken cancellationToken = default) =>
        (await StartAsync(None, cancellationToken).ConfigureAwait(false)).ToResult();

    /// <summary>
    /// Starts serving on a socket that the service manager already bound and passed as file descriptor
    /// <paramref name="listenFd"/> (systemd socket activation), instead of binding <see cref="Path"/>: connections it
    /// already queued are served, and the socket file stays the service manager's (it is not deleted on close). Only this
    /// one start adopts; listening again after <see cref="CloseAsync"/> binds normally. Harmless while listening.
    /// </summary>
    public async Task<Result<Done, IpcListenError>> AdoptAsync(int listenFd, CancellationToken cancellationToken = default) =>
        (await StartAsync(Some(listenFd), cancellationToken).ConfigureAwait(false)).ToResult();

    private async Task<Either<IpcListenError, Unit>> StartAsync(Option<int> adopt, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_listener is not null)
                return unit;
            Fin<IIpcListener> listening;
            if (adopt.Case is int fd)
            {
                // Socket activation: the service manager bound it (and may already have queued connections on it).
                listening = _transport.Adopt(Path, fd);
            }
            else
            {
                var prepared = await PrepareEndpointAsync(cancellationToken).ConfigureAwait(false);
                if (prepared.IsLeft)
                    return prepared;
                listening = _transport.Listen(Path, Backlog);
            }

            if (listening.IsFail)
                return Error(IpcListenErrorCode.Io, ((Error)listening).Message);
            _listener = listening.Match(l => l, e => throw new InvalidOperationException(e.Message));
            _accepting = new CancellationTokenSource();
            var budget = ConnectionBudget.Decide(Optional(_settings.MaxConnections), _transport.Descriptors());
            _acceptLoop = AcceptLoopAsync(_listener, new SemaphoreSlim(budget, budget), budget, _accepting.Token);
            _startedAt = _time.GetUtcNow();
            LogListening(Path);
            return unit;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Either<IpcListenError, Unit>> PrepareEndpointAsync(CancellationToken cancellationToken)
    {
        if (!SocketPaths.IsNamedPipe(Path))
        {
            var valid = SocketPaths.ValidateUnix(Path, _os);
            if (valid.IsLeft)
                return Error(IpcListenErrorCode.InvalidPath, valid.Match(_ => "", e => e));
            // A relative path's parent is resolved against the working directory by the directories port, not here.
            var parent = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(parent) && _directories.CreateAll(parent) is { IsFail: true } failed)
                return Error(IpcListenErrorCode.Io, ((Error)failed).Message);
        }

        var probe = await _transport.ProbeAsync(Path, cancellationToken).ConfigureAwait(false);
        switch (EndpointDecisions.BeforeListen(probe))
        {
            case ListenDecision.Bind:
                return unit;
            case ListenDecision.ReplaceStale:
                LogReplacingStale(Path);
                return _transport.RemoveStale(Path).Match(
                    Succ: _ => Right<IpcListenError, Unit>(unit),
                    Fail: e => Error(e.Code == OsErrors.WrongKindCode ? IpcListenErrorCode.NotASocket : IpcListenErrorCode.Io, e.Message));
            case ListenDecision.RefuseLive:
                return Error(IpcListenErrorCode.AlreadyListening, $"Another server is already listening on {Path}; stop it first (it was left untouched).");
            case ListenDecision.RefuseNotSocket:
                return Error(IpcListenErrorCode.NotASocket, $"{Path} exists and is not a socket; remove it or choose another path (it was left untouched).");
            default:
                throw new InvalidOperationException("Unknown listen decision.");
        }
    }

    private Either<IpcListenError, Unit> Error(IpcListenErrorCode code, string message) =>
        new IpcListenError(code, code is IpcListenErrorCode.AlreadyListening or IpcListenErrorCode.NotASocket ? message : $"Cannot listen on {Path}: {message}", Path);

    private async Task AcceptLoopAsync(IIpcListener listener, SemaphoreSlim slots, int budget, CancellationToken stopping)
    {
        var failures = 0;
        var atLimit = false;
        while (!stopping.IsCancellationRequested)
        {
            // At the connection limit, wait for a connection to close (clients queue in the backlog meanwhile).
            if (!slots.Wait(0))
            {
                if (!atLimit)
                    LogAtConnectionLimit(Path, budget);
                atLimit = true;
                try
                {
                    await slots.WaitAsync(stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            else
            {
                atLimit = false;
            }

            // The port reports a stop and a failed accept as values: no transport exception reaches this loop.
            var accepted = await listener.AcceptAsync(stopping).ConfigureAwait(false);
            switch (accepted.Case)
            {
                case IIpcStream stream:
                    if (AcceptBackoff.ShouldLogRecovery(failures))
                        LogAcceptRecovered(failures);
                    failures = 0;
                    Serve(stream, stopping: false, slots);
                    break;
                case AcceptFailure.Stopped:
                    return;
                case AcceptFailure.Failed failed:
                    slots.Release();

                    // A failed accept (for example, too many open files) must not end the server, nor spin a core: the
                    // connection stays queued, so wait longer after each failure (capped), and say so once per episode.
                    failures++;
                    if (AcceptBackoff.ShouldLogFailure(failures))
                        LogAcceptFailed(failed.Message, (long)AcceptBackoff.Max.TotalMilliseconds);
                    try
                    {
                        await Task.Delay(AcceptBackoff.Delay(failures), _time, stopping).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }

                    break;
                case var other:
                    throw new InvalidOperationException($"Unknown accept outcome {other}.");
            }
        }
    }

    private void Serve(IIpcStream stream, bool stopping, SemaphoreSlim? slots = null)
    {
        if (!EndpointDecisions.AcceptPeer(stream.Peer, _uid, _settings.AllowOtherUsers))
        {
            var refusing = RefusePeerAsync(stream);
            if (slots is not null)
                _ = refusing.ContinueWith(_ => slots.Release(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return;
        }

        var connection = new ServerConnection(stream, () => Volatile.Read(ref _handler), _settings, _time, _telemetry, _hello ??= Hello);
        if (stopping)
            connection.StopReading();
        var running = Task.Run(connection.RunAsync, CancellationToken.None);
        _connections[connection] = running;
        _ = running.ContinueWith(
            _ =>
            {
                _connections.TryRemove(connection, out Task? _);
                slots?.Release();
                AfterConnectionClosed();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void AfterConnectionClosed()
    {
        var every = _settings.CollectAfterClosedConnections;
        if (every <= 0 || Interlocked.Increment(ref _closedSinceCheck) < every)
            return;
        Interlocked.Exchange(ref _closedSinceCheck, 0);

        // Only when the GC has not run by itself meanwhile: a busy server allocating elsewhere is left alone.
        // A full compacting collection: with the heap nearly all garbage it takes about a millisecond, and it also gives
        // back the old generation's regions (promoted stragglers), which a young-only collection lets grow.
        var collections = GC.CollectionCount(0);
        if (Interlocked.Exchange(ref _gen0AtLastCheck, collections) == collections)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            Interlocked.Increment(ref _induced);
        }

        Volatile.Write(ref _gen0AtLastCheck, GC.CollectionCount(0));
    }

    private async Task RefusePeerAsync(IIpcStream stream)
    {
        var uid = stream.Peer.Map(p => p.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture)).IfNone("?");
        LogPeerRefused(uid, _uid);
        try
        {
            var line = new System.Buffers.ArrayBufferWriter<byte>();
            Envelope.WriteError(line, default, $"Connections from other users are not accepted (you are uid {uid}).", IpcErrorCodes.PermissionDenied);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1), _time);
            _ = await stream.WriteAsync(line.WrittenMemory, cts.Token).ConfigureAwait(false); // failed: the peer is gone, nothing to tell it
        }
        catch (OperationCanceledException)
        {
            // The peer does not read; it is closed without the explanation.
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Closes gracefully: stops accepting and removes the socket file; stops every connection's reading side, so clients
    /// cannot send more (their writes fail with a closed connection) while every request line already sent (including
    /// lines still in the kernel's queue, and connections still waiting in the backlog) gets exactly one reply: its
    /// handler's if it was already running (within <see cref="IpcServerOptions.CloseTimeout"/>), otherwise a
    /// <c>SHUTTING_DOWN</c> error. Each connection then ends with an orderly end of stream. A connection whose client does
    /// not read its replies is cut off once the close timeout (plus a short grace) is over. Idempotent; the server can
    /// listen again afterwards.
    /// </summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var listener = _listener;
            if (listener is null)
                return;
            // First nothing new can connect (the socket file goes at once); connections the OS completed but we had not
            // accepted yet are served too, in stopping mode, rather than reset.
            _accepting?.Cancel();
            var pending = listener.StopAndTakePending();
            if (_acceptLoop is not null)
                await _acceptLoop.ConfigureAwait(false);
            foreach (var stream in pending)
                Serve(stream, stopping: true);
            await listener.DisposeAsync().ConfigureAwait(false);
            foreach (var connection in _connections.Keys)
                connection.StopReading();
            var all = Task.WhenAll(_connections.Values);
            if (await Task.WhenAny(all, Task.Delay(_settings.CloseTimeout + CloseGrace, _time, CancellationToken.None)).ConfigureAwait(false) != all)
            {
                LogClosingAbandoned(Path, _connections.Count);
                foreach (var connection in _connections.Keys)
                    connection.Abort();
                await all.ConfigureAwait(false);
            }

            _accepting?.Dispose();
            _accepting = null;
            _acceptLoop = null;
            Volatile.Write(ref _listener, null);
            LogClosed(Path);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);

    [LoggerMessage(20, LogLevel.Information, "IPC server listening on {Path}")]
    private partial void LogListening(string path);

    [LoggerMessage(21, LogLevel.Information, "IPC server on {Path} closed")]
    private partial void LogClosed(string path);

    [LoggerMessage(22, LogLevel.Warning, "Replacing the stale socket file {Path} (nobody listened on it)")]
    private partial void LogReplacingStale(string path);

    [LoggerMessage(23, LogLevel.Warning, "Refused a connection from uid {PeerUid}; this server runs as uid {Uid} and does not accept other users")]
    private partial void LogPeerRefused(string peerUid, uint uid);

    [LoggerMessage(24, LogLevel.Warning, "Accepting a connection failed: {Reason}; retrying with a growing pause of up to {MaxDelayMs} ms until it works again (logged once per episode)")]
    private partial void LogAcceptFailed(string reason, long maxDelayMs);

    [LoggerMessage(25, LogLevel.Information, "Accepting connections again after {Failures} failed attempts")]
    private partial void LogAcceptRecovered(int failures);

    [LoggerMessage(27, LogLevel.Warning, "IPC server on {Path} holds {Limit} connections, its limit (IpcServerOptions.MaxConnections, by default the descriptor limit less a reserve); new clients wait until one closes")]
    private partial void LogAtConnectionLimit(string path, int limit);

    [LoggerMessage(26, LogLevel.Warning, "IPC server on {Path}: {Count} connection(s) still had replies unsent after the close timeout (clients not reading); closed them")]
    private partial void LogClosingAbandoned(string path, int count);
}
