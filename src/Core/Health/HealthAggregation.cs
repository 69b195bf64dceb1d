using System.Buffers;
using System.Text.Json;
using LanguageExt;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Health;

/// <summary>Pure health logic: validating registrations, turning outcomes into a status, and its JSON form.</summary>
public static class HealthAggregation
{
    /// <summary>The default per-check timeout: 5 s.</summary>
    public static readonly TimeSpan DefaultCheckTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Whether a check named <paramref name="name"/> with <paramref name="timeout"/> may join <paramref name="existing"/>.</summary>
    public static Either<HealthCheckError, Unit> ValidateRegistration(Seq<string> existing, string? name, TimeSpan timeout)
    {
        if (string.IsNullOrWhiteSpace(name))
            return new HealthCheckError("A health check needs a name, e.g. \"database\".");
        if (existing.Exists(n => n == name))
            return new HealthCheckError($"A health check named \"{name}\" is already registered; names must be unique.");
        if (timeout <= TimeSpan.Zero)
            return new HealthCheckError($"The timeout of health check \"{name}\" is {timeout}; it must be positive (default 5 s).");
        return unit;
    }

    /// <summary>One check's result from its outcome.</summary>
    public static CheckResult ToResult(CheckOutcome outcome, TimeSpan duration) => outcome switch
    {
        CheckOutcome.Passed => new CheckResult(true, null, duration),
        CheckOutcome.Failed failed => new CheckResult(false, failed.Message, duration),
        CheckOutcome.Threw threw => new CheckResult(false, threw.Message, duration),
        CheckOutcome.TimedOut timedOut => new CheckResult(false, $"timed out after {Format(timedOut.After)}", duration),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Unknown check outcome."),
    };

    /// <summary>
    /// Aggregates finished checks: healthy only if every one is (no checks → healthy); uptime is the whole seconds in
    /// <paramref name="sinceCreated"/> (never negative).
    /// </summary>
    public static DaemonHealth Aggregate(Seq<(string Name, CheckOutcome Outcome, TimeSpan Duration)> finished, TimeSpan sinceCreated)
    {
        var results = finished.Map(f => (f.Name, ToResult(f.Outcome, f.Duration))).ToArray();
        var uptime = sinceCreated <= TimeSpan.Zero ? 0 : sinceCreated.Ticks / TimeSpan.TicksPerSecond;
        return new DaemonHealth(results.All(r => r.Item2.Healthy), results, uptime);
    }

    /// <summary>
    /// The reference's JSON form: <c>{"healthy":bool,"checks":{"name":{"healthy":bool,"message":"…","durationMs":n}},"uptime":n}</c>
    /// (message omitted when healthy; <c>durationMs</c> is ours).
    /// </summary>
    public static void WriteJson(IBufferWriter<byte> output, DaemonHealth status)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        writer.WriteStartObject();
        writer.WriteBoolean("healthy", status.Healthy);
        writer.WriteStartObject("checks");
        foreach (var (name, result) in status.Checks)
        {
            writer.WriteStartObject(name);
            writer.WriteBoolean("healthy", result.Healthy);
            if (result.Message is { } message)
                writer.WriteString("message", message);
            writer.WriteNumber("durationMs", Math.Round(result.Duration.TotalMilliseconds, 3));
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteNumber("uptime", status.Uptime);
        writer.WriteEndObject();
    }

    /// <summary>A one-line summary, e.g. <c>healthy (3 checks)</c> or <c>unhealthy: database: connection refused</c>.</summary>
    public static string Summary(DaemonHealth status) =>
        status.Healthy
            ? $"healthy ({status.Checks.Count} check{(status.Checks.Count == 1 ? "" : "s")})"
            : "unhealthy: " + string.Join("; ", status.Checks.Where(c => !c.Result.Healthy).Select(c => $"{c.Name}: {c.Result.Message ?? "failed"}"));

    private static string Format(TimeSpan span) =>
        span.TotalSeconds >= 1 && span.Ticks % TimeSpan.TicksPerSecond == 0 ? $"{span.TotalSeconds:0} s"
        : span.TotalMilliseconds < 1 ? $"{span.TotalMilliseconds:0.###} ms"
        : $"{span.TotalMilliseconds:0} ms";
}
