using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Outfitter.Daemon.Telemetry;

/// <summary>
/// The one <see cref="Meter"/> and <see cref="ActivitySource"/> of the library (names in <see cref="DaemonTelemetry"/>)
/// and their instruments. Static, as the .NET libraries' own meters are: instruments cost nothing until a listener
/// enables them, and callers check <see cref="Instrument.Enabled"/> before they build tags.
/// </summary>
internal static class DaemonInstruments
{
    // Tag names (OpenTelemetry's where one exists).
    internal const string TypeTag = "type";
    internal const string OutcomeTag = "outcome";
    internal const string ErrorTypeTag = "error.type";
    internal const string ReasonTag = "reason";
    internal const string ServerAddressTag = "server.address";
    internal const string NameTag = "name";
    internal const string StatusTag = "status";
    internal const string Ok = "ok";
    internal const string Error = "error";

    private static readonly string? Version = typeof(DaemonInstruments).Assembly.GetName().Version?.ToString();

    internal static readonly Meter Meter = new(DaemonTelemetry.MeterName, Version);

    internal static readonly ActivitySource Source = new(DaemonTelemetry.ActivitySourceName, Version);

    internal static readonly Counter<long> Requests =
        Meter.CreateCounter<long>(DaemonTelemetry.Requests, "{request}", "IPC requests answered, by type and outcome.");

    internal static readonly Histogram<double> RequestDuration = Meter.CreateHistogram(
        DaemonTelemetry.RequestDuration,
        "s",
        "Time from reading an IPC request to queueing its reply.",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    internal static readonly UpDownCounter<long> ActiveConnections =
        Meter.CreateUpDownCounter<long>(DaemonTelemetry.ActiveConnections, "{connection}", "Open IPC server connections.");

    internal static readonly UpDownCounter<long> ActiveRequests =
        Meter.CreateUpDownCounter<long>(DaemonTelemetry.ActiveRequests, "{request}", "IPC requests whose asynchronous handler is running.");

    internal static readonly Counter<long> ProtocolErrors =
        Meter.CreateCounter<long>(DaemonTelemetry.ProtocolErrors, "{error}", "Lines that were not valid IPC requests, by reason.");

    internal static readonly Counter<long> FramesTooLarge =
        Meter.CreateCounter<long>(DaemonTelemetry.FramesTooLarge, "{frame}", "IPC connections closed for a line over the size limit.");

    internal static readonly Histogram<double> HealthCheckDuration = Meter.CreateHistogram(
        DaemonTelemetry.HealthCheckDuration,
        "s",
        "Duration of one health check run, by check name and resulting status.",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    internal static readonly Counter<long> HealthChecks =
        Meter.CreateCounter<long>(DaemonTelemetry.HealthChecks, "{check}", "Health check runs, by check name and resulting status.");

    /// <summary>
    /// Records one health check run (for the health checker to call): its duration and a count, tagged with the check's
    /// <paramref name="name"/> and resulting <paramref name="status"/> (for example <c>healthy</c>). Free without a listener.
    /// </summary>
    internal static void RecordHealthCheck(string name, string status, TimeSpan duration)
    {
        if (!HealthCheckDuration.Enabled && !HealthChecks.Enabled)
            return;
        var tags = new TagList { { NameTag, name }, { StatusTag, status } };
        HealthCheckDuration.Record(duration.TotalSeconds, tags);
        HealthChecks.Add(1, tags);
    }
}
