namespace Outfitter.Daemon;

/// <summary>
/// The names under which this library reports metrics and traces, for wiring up OpenTelemetry or another listener:
/// <c>builder.WithMetrics(m =&gt; m.AddMeter(DaemonTelemetry.MeterName)).WithTracing(t =&gt; t.AddSource(DaemonTelemetry.ActivitySourceName))</c>.
/// With no listener attached, nothing is measured beyond the counters of <see cref="IpcServer.Counters"/> and the request
/// path allocates nothing for telemetry. Log categories are in <see cref="DaemonLogCategories"/>.
/// </summary>
/// <remarks>
/// Instruments (OpenTelemetry naming; tags in brackets):
/// <list type="bullet">
/// <item><see cref="Requests"/>: counter of answered requests [<c>type</c>, <c>outcome</c>, <c>error.type</c> on errors, <c>server.address</c>].</item>
/// <item><see cref="RequestDuration"/>: histogram in seconds from reading a request to queueing its reply [same tags].</item>
/// <item><see cref="ActiveConnections"/>: up-down counter of open server connections [<c>server.address</c>].</item>
/// <item><see cref="ActiveRequests"/>: up-down counter of requests whose asynchronous handler is still running [<c>server.address</c>].</item>
/// <item><see cref="ProtocolErrors"/>: counter of lines that are not valid requests [<c>reason</c>, <c>server.address</c>].</item>
/// <item><see cref="FramesTooLarge"/>: counter of connections closed for a line over the limit [<c>server.address</c>].</item>
/// <item><see cref="HealthCheckDuration"/> (seconds) and <see cref="HealthChecks"/>: per health check run [<c>name</c>, <c>status</c>].</item>
/// </list>
/// <c>type</c> is the payload's <c>type</c> member (the first 64 distinct values per server; later ones, and names over 64
/// bytes, are reported as <c>_OTHER</c>; a payload without a string <c>type</c> as <c>_NONE</c>), so a client cannot
/// make the tag's cardinality grow without bound. <c>outcome</c> is <c>ok</c> or <c>error</c>; <c>error.type</c> is the
/// reply's code (for example <c>HANDLER_ERROR</c>, <c>UNKNOWN_TYPE</c>, <c>SHUTTING_DOWN</c>).
/// <para>
/// Traces: one span per request on the server, kind <see cref="System.Diagnostics.ActivityKind.Server"/>, named
/// <c>outfitter.daemon.ipc {type}</c>, with status Error (and <c>error.type</c>) on error replies; it continues the
/// client's trace when the request carries the extra envelope members <c>"traceparent"</c> and <c>"tracestate"</c> (W3C
/// Trace Context), which the TypeScript package ignores. <see cref="IpcClient"/> sends them when it is called while an
/// <see cref="System.Diagnostics.Activity"/> is current (under a client span of its own when someone listens), and never
/// otherwise, so a request outside a trace is the reference's line byte for byte.
/// </para>
/// </remarks>
public static class DaemonTelemetry
{
    /// <summary>The <see cref="System.Diagnostics.Metrics.Meter"/> name: <c>Outfitter.Daemon</c>.</summary>
    public const string MeterName = "Outfitter.Daemon";

    /// <summary>The <see cref="System.Diagnostics.ActivitySource"/> name: <c>Outfitter.Daemon</c>.</summary>
    public const string ActivitySourceName = "Outfitter.Daemon";

    /// <summary>Counter <c>outfitter.daemon.ipc.requests</c> (<c>{request}</c>).</summary>
    public const string Requests = "outfitter.daemon.ipc.requests";

    /// <summary>Histogram <c>outfitter.daemon.ipc.request.duration</c> (<c>s</c>).</summary>
    public const string RequestDuration = "outfitter.daemon.ipc.request.duration";

    /// <summary>Up-down counter <c>outfitter.daemon.ipc.connections.active</c> (<c>{connection}</c>).</summary>
    public const string ActiveConnections = "outfitter.daemon.ipc.connections.active";

    /// <summary>Up-down counter <c>outfitter.daemon.ipc.active_requests</c> (<c>{request}</c>).</summary>
    public const string ActiveRequests = "outfitter.daemon.ipc.active_requests";

    /// <summary>Counter <c>outfitter.daemon.ipc.protocol_errors</c> (<c>{error}</c>).</summary>
    public const string ProtocolErrors = "outfitter.daemon.ipc.protocol_errors";

    /// <summary>Counter <c>outfitter.daemon.ipc.frames_too_large</c> (<c>{frame}</c>).</summary>
    public const string FramesTooLarge = "outfitter.daemon.ipc.frames_too_large";

    /// <summary>Histogram <c>outfitter.daemon.health.check.duration</c> (<c>s</c>).</summary>
    public const string HealthCheckDuration = "outfitter.daemon.health.check.duration";

    /// <summary>Counter <c>outfitter.daemon.health.checks</c> (<c>{check}</c>).</summary>
    public const string HealthChecks = "outfitter.daemon.health.checks";
}
