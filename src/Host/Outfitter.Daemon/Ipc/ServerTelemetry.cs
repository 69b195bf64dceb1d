using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Telemetry;

namespace Outfitter.Daemon.Ipc;

/// <summary>
/// What one server reports about itself: live counters (always, with <see cref="Interlocked"/>), the instruments of
/// <see cref="DaemonInstruments"/> and a span per request (only when a listener is attached), and its logger with a scope
/// per connection and per request (only when logging is enabled). Without listeners and logging, a request costs a
/// plain increment of its connection's own counter (<see cref="ConnectionCounters"/>) and a few flag checks, and
/// allocates nothing. Thread-safe.
/// </summary>
internal sealed class ServerTelemetry
{
    private const string RpcSystem = "outfitter.daemon";
    private readonly string _transport;
    private readonly object _countersLock = new();
    private readonly HashSet<ConnectionCounters> _live = [];
    private long _retiredRequests;
    private long _retiredErrors;
    private long _inFlight;
    private long _protocolErrors;
    private long _framesTooLarge;
    private long _accepted;
    private long _cancelled;
    private long _nextConnectionId;
    private int _activeConnections;

    internal ServerTelemetry(string path, ILogger logger, TimeProvider time)
    {
        Path = path;
        Logger = logger;
        Time = time;
        _transport = SocketPaths.IsNamedPipe(path) ? "pipe" : "unix";
    }

    /// <summary>The endpoint, the <c>server.address</c> tag.</summary>
    internal string Path { get; }

    /// <summary>The <c>Outfitter.Daemon.Ipc</c> logger.</summary>
    internal ILogger Logger { get; }

    /// <summary>The server's clock, for request durations.</summary>
    internal TimeProvider Time { get; }

    /// <summary>This server's request types as tag values.</summary>
    internal RequestTypeNames Types { get; } = new();

    /// <summary>The counters now: the totals of closed connections plus those of the open ones.</summary>
    internal IpcServerCounters Snapshot()
    {
        long requests, errors;
        lock (_countersLock)
        {
            requests = _retiredRequests;
            errors = _retiredErrors;
            foreach (var connection in _live)
            {
                requests += connection.Requests;
                errors += connection.Errors;
            }
        }

        return new(
            requests,
            errors,
            Volatile.Read(ref _activeConnections),
            Interlocked.Read(ref _inFlight),
            Interlocked.Read(ref _protocolErrors),
            Interlocked.Read(ref _framesTooLarge),
            Interlocked.Read(ref _accepted),
            Interlocked.Read(ref _cancelled));
    }

    /// <summary>A connection starts being served, counting into <paramref name="counters"/>; its id (unique within this server).</summary>
    internal long ConnectionOpened(ConnectionCounters counters)
    {
        lock (_countersLock)
            _live.Add(counters);
        Interlocked.Increment(ref _accepted);
        Interlocked.Increment(ref _activeConnections);
        if (DaemonInstruments.ActiveConnections.Enabled)
            DaemonInstruments.ActiveConnections.Add(1, new KeyValuePair<string, object?>(DaemonInstruments.ServerAddressTag, Path));
        return Interlocked.Increment(ref _nextConnectionId);
    }

    /// <summary>A connection ended: its counts join the totals.</summary>
    internal void ConnectionClosed(ConnectionCounters counters)
    {
        lock (_countersLock)
        {
            // Under the lock with the snapshot, so a total never counts a connection twice nor goes backwards.
            if (_live.Remove(counters))
            {
                _retiredRequests += counters.Requests;
                _retiredErrors += counters.Errors;
            }
        }

        Interlocked.Decrement(ref _activeConnections);
        if (DaemonInstruments.ActiveConnections.Enabled)
            DaemonInstruments.ActiveConnections.Add(-1, new KeyValuePair<string, object?>(DaemonInstruments.ServerAddressTag, Path));
    }

    /// <summary>A line that is not a request (<paramref name="reason"/>: a <see cref="ProtocolProblems"/> name).</summary>
    internal void ProtocolError(string reason)
    {
        Interlocked.Increment(ref _protocolErrors);
        if (DaemonInstruments.ProtocolErrors.Enabled)
            DaemonInstruments.ProtocolErrors.Add(1, new TagList { { DaemonInstruments.ReasonTag, reason }, { DaemonInstruments.ServerAddressTag, Path } });
    }

    /// <summary>A line over the limit: the connection is closed.</summary>
    internal void FrameTooLarge()
    {
        Interlocked.Increment(ref _framesTooLarge);
        if (DaemonInstruments.FramesTooLarge.Enabled)
            DaemonInstruments.FramesTooLarge.Add(1, new KeyValuePair<string, object?>(DaemonInstruments.ServerAddressTag, Path));
    }

    /// <summary>A pending request was cancelled by its client (no reply is written; end it with <see cref="End"/> and <c>CANCELLED</c>).</summary>
    internal void RequestCancelled() => Interlocked.Increment(ref _cancelled);

    /// <summary>An asynchronous handler started (its reply comes later).</summary>
    internal void PendingStarted()
    {
        Interlocked.Increment(ref _inFlight);
        if (DaemonInstruments.ActiveRequests.Enabled)
            DaemonInstruments.ActiveRequests.Add(1, new KeyValuePair<string, object?>(DaemonInstruments.ServerAddressTag, Path));
    }

    /// <summary>An asynchronous handler's request was answered (or given up at close, or cancelled by its client).</summary>
    internal void PendingEnded()
    {
        Interlocked.Decrement(ref _inFlight);
        if (DaemonInstruments.ActiveRequests.Enabled)
            DaemonInstruments.ActiveRequests.Add(-1, new KeyValuePair<string, object?>(DaemonInstruments.ServerAddressTag, Path));
    }

    /// <summary>
    /// Starts observing a valid request: its type, start time and span, each only when something will use it. With no
    /// listener and no logging this returns <c>default</c> at once.
    /// </summary>
    internal RequestObservation Begin(in RequestEnvelope envelope, long connectionId)
    {
        var measure = DaemonInstruments.Requests.Enabled || DaemonInstruments.RequestDuration.Enabled;
        var trace = DaemonInstruments.Source.HasListeners();
        var log = Logger.IsEnabled(LogLevel.Critical);
        if (!measure && !trace && !log)
            return default;
        var type = Types.Of(envelope.Payload);
        var start = measure ? Time.GetTimestamp() : 0;
        var activity = trace ? StartServerSpan(envelope, type, connectionId) : null;
        return new RequestObservation(type, start, activity);
    }

    /// <summary>A request scope for the logs written while its handler runs; null when logging is off.</summary>
    internal IDisposable? BeginRequestScope(in RequestObservation observed, ReadOnlySpan<byte> rawId) =>
        observed.Type is not null && Logger.IsEnabled(LogLevel.Critical)
            ? Logger.BeginScope(new RequestScope(IdText(rawId), observed.Type.Tag))
            : null;

    /// <summary>A connection scope for the logs of a connection; null when logging is off.</summary>
    internal IDisposable? BeginConnectionScope(long connectionId, int? peerPid) =>
        Logger.IsEnabled(LogLevel.Critical) ? Logger.BeginScope(new ConnectionScope(connectionId, peerPid)) : null;

    /// <summary>
    /// A request was answered (its connection counted it in its <see cref="ConnectionCounters"/>): when it was observed,
    /// records its metrics and ends its span. <paramref name="errorCode"/> is null for a result, else the error reply's code.
    /// </summary>
    internal void End(in RequestObservation observed, string? errorCode, string? errorMessage)
    {
        if (observed.Type is null)
            return;

        var requests = DaemonInstruments.Requests.Enabled;
        var duration = DaemonInstruments.RequestDuration.Enabled && observed.Start != 0;
        if (requests || duration)
        {
            var tags = new TagList
            {
                { DaemonInstruments.TypeTag, observed.Type.Tag },
                { DaemonInstruments.OutcomeTag, errorCode is null ? DaemonInstruments.Ok : DaemonInstruments.Error },
                { DaemonInstruments.ServerAddressTag, Path },
            };
            if (errorCode is not null)
                tags.Add(DaemonInstruments.ErrorTypeTag, errorCode);
            if (requests)
                DaemonInstruments.Requests.Add(1, tags);
            if (duration)
                DaemonInstruments.RequestDuration.Record(Time.GetElapsedTime(observed.Start).TotalSeconds, tags);
        }

        if (observed.Activity is { } activity)
        {
            if (errorCode is not null)
            {
                activity.SetTag(DaemonInstruments.ErrorTypeTag, errorCode);
                activity.SetStatus(ActivityStatusCode.Error, errorMessage);
            }

            activity.Stop();
        }
    }

    private Activity? StartServerSpan(in RequestEnvelope envelope, RequestTypeNames.Entry type, long connectionId)
    {
        // The remote parent, when the client sent one; otherwise a root span (the read loop clears Activity.Current, so
        // whatever was current where the server was started does not adopt every request).
        ActivityContext parent = default;
        if (!envelope.TraceParent.IsEmpty)
        {
            var header = envelope.TraceParent;
            parent = new ActivityContext(
                ActivityTraceId.CreateFromUtf8String(TraceContext.TraceId(header)),
                ActivitySpanId.CreateFromUtf8String(TraceContext.ParentId(header)),
                TraceContext.IsSampled(header) ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None,
                envelope.TraceState.IsEmpty ? null : Encoding.ASCII.GetString(envelope.TraceState),
                isRemote: true);
        }

        var activity = DaemonInstruments.Source.StartActivity(type.SpanName, ActivityKind.Server, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("rpc.system", RpcSystem);
            activity.SetTag("rpc.method", type.Tag);
            activity.SetTag("network.transport", _transport);
            activity.SetTag(DaemonInstruments.ServerAddressTag, Path);
            activity.SetTag("outfitter.daemon.ipc.request.id", IdText(envelope.Id));
            activity.SetTag("outfitter.daemon.ipc.connection.id", connectionId);
        }

        return activity;
    }

    // The id as the client wrote it, without its quotes (escapes are left as they are: this is for reading).
    private static string IdText(ReadOnlySpan<byte> rawId) =>
        rawId.Length >= 2 && rawId[0] == (byte)'"' ? Encoding.UTF8.GetString(rawId[1..^1]) : Encoding.UTF8.GetString(rawId);

    /// <summary>The state of a connection's log scope: <c>ConnectionId</c>, and <c>PeerPid</c> when the kernel told us.</summary>
    private sealed class ConnectionScope(long connectionId, int? peerPid) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => peerPid is null ? 1 : 2;

        public KeyValuePair<string, object?> this[int index] => index switch
        {
            0 => new("ConnectionId", connectionId),
            1 when peerPid is not null => new("PeerPid", peerPid.Value),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
                yield return this[i];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => peerPid is null
            ? string.Create(CultureInfo.InvariantCulture, $"ConnectionId:{connectionId}")
            : string.Create(CultureInfo.InvariantCulture, $"ConnectionId:{connectionId} PeerPid:{peerPid}");
    }

    /// <summary>The state of a request's log scope: <c>RequestId</c> and <c>RequestType</c>.</summary>
    private sealed class RequestScope(string requestId, string type) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => 2;

        public KeyValuePair<string, object?> this[int index] => index switch
        {
            0 => new("RequestId", requestId),
            1 => new("RequestType", type),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return this[0];
            yield return this[1];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"RequestId:{requestId} RequestType:{type}";
    }
}

/// <summary>
/// One connection's share of <see cref="ServerTelemetry.Snapshot"/>, summed by the snapshot. Requests answered by the read
/// loop (synchronous handlers, errors, shutdown refusals) are counted with plain stores, since only that loop writes
/// them; those answered when an asynchronous handler completes, on whatever thread, with atomic increments. No cache line
/// is shared between connections, and the read loop's path has no atomic operation.
/// </summary>
internal sealed class ConnectionCounters
{
    private long _answered;
    private long _failed;
    private long _answeredLate;
    private long _failedLate;

    /// <summary>Requests answered on this connection.</summary>
    internal long Requests => Volatile.Read(ref _answered) + Interlocked.Read(ref _answeredLate);

    /// <summary>Of those, answered with an error reply.</summary>
    internal long Errors => Volatile.Read(ref _failed) + Interlocked.Read(ref _failedLate);

    /// <summary>The read loop answered a request (only the read loop calls this).</summary>
    internal void Answered(bool error)
    {
        Volatile.Write(ref _answered, _answered + 1);
        if (error)
            Volatile.Write(ref _failed, _failed + 1);
    }

    /// <summary>An asynchronous handler's request was answered, on any thread.</summary>
    internal void AnsweredLate(bool error)
    {
        Interlocked.Increment(ref _answeredLate);
        if (error)
            Interlocked.Increment(ref _failedLate);
    }
}

/// <summary>What was started for one request: its type (null when nothing observed it), start timestamp, and span.</summary>
internal readonly record struct RequestObservation(RequestTypeNames.Entry? Type, long Start, Activity? Activity);
