using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LanguageExt;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Health;

/// <summary>Pure health logic: validating registrations, turning outcomes into a status, and its JSON form.</summary>
internal static class HealthAggregation
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

    /// <summary>One check's result from its outcome (no tags or data; a throw or time-out is unhealthy).</summary>
    public static CheckResult ToResult(CheckOutcome outcome, TimeSpan duration) => ToResult(new CheckReport("", outcome, duration));

    /// <summary>
    /// One check's result from its report: Passed is healthy, Degraded degraded, Failed unhealthy; Threw and TimedOut
    /// take the report's <see cref="CheckReport.FailureStatus"/> (Degraded, or else Unhealthy), with the exception's
    /// message or "timed out after …" as the message.
    /// </summary>
    public static CheckResult ToResult(CheckReport report)
    {
        var failure = report.FailureStatus == CheckStatus.Degraded ? CheckStatus.Degraded : CheckStatus.Unhealthy;
        var (status, message, exception) = report.Outcome switch
        {
            CheckOutcome.Passed passed => (CheckStatus.Healthy, passed.Message, report.ExceptionMessage),
            CheckOutcome.Degraded degraded => (CheckStatus.Degraded, degraded.Message, report.ExceptionMessage),
            CheckOutcome.Failed failed => (CheckStatus.Unhealthy, failed.Message, report.ExceptionMessage),
            CheckOutcome.Threw threw => (failure, threw.Message, report.ExceptionMessage ?? threw.Message),
            CheckOutcome.TimedOut timedOut => (failure, $"timed out after {Format(timedOut.After)}", report.ExceptionMessage),
            _ => throw new ArgumentOutOfRangeException(nameof(report), report.Outcome, "Unknown check outcome."),
        };
        return new CheckResult(status, message, report.Duration, report.Tags, report.Data.Map(d => KeyValuePair.Create(d.Key, d.Value)), exception);
    }

    /// <summary>
    /// Aggregates finished checks: the status is the worst of theirs (no checks → healthy), healthy unless one is
    /// unhealthy; uptime is the whole seconds in <paramref name="sinceCreated"/> (never negative).
    /// </summary>
    public static DaemonHealth Aggregate(Seq<(string Name, CheckOutcome Outcome, TimeSpan Duration)> finished, TimeSpan sinceCreated) =>
        Aggregate(finished.Map(f => new CheckReport(f.Name, f.Outcome, f.Duration)), sinceCreated);

    /// <inheritdoc cref="Aggregate(Seq{ValueTuple{string, CheckOutcome, TimeSpan}}, TimeSpan)"/>
    public static DaemonHealth Aggregate(Seq<CheckReport> finished, TimeSpan sinceCreated)
    {
        var results = finished.Map(f => (f.Name, ToResult(f))).ToArray();
        var uptime = sinceCreated <= TimeSpan.Zero ? 0 : sinceCreated.Ticks / TimeSpan.TicksPerSecond;
        return new DaemonHealth(Worst(results.Select(r => r.Item2.Status)), results, uptime);
    }

    /// <summary>The worst of <paramref name="statuses"/>: Unhealthy over Degraded over Healthy; Healthy when there are none.</summary>
    public static CheckStatus Worst(IEnumerable<CheckStatus> statuses)
    {
        var worst = CheckStatus.Healthy;
        foreach (var status in statuses)
        {
            if (status < worst)
                worst = status;
        }

        return worst;
    }

    /// <summary>
    /// Whether <paramref name="status"/> counts as healthy for a keep-alive such as the systemd watchdog: Healthy always,
    /// Unhealthy never, Degraded when <paramref name="degradedIsHealthy"/> (the default policy).
    /// </summary>
    public static bool CountsAsHealthy(CheckStatus status, bool degradedIsHealthy) => status switch
    {
        CheckStatus.Healthy => true,
        CheckStatus.Degraded => degradedIsHealthy,
        CheckStatus.Unhealthy => false,
        _ => false, // an undefined value never keeps a daemon alive
    };

    /// <summary>The wire name of a status: <c>healthy</c>, <c>degraded</c> or <c>unhealthy</c>.</summary>
    public static string WireName(CheckStatus status) => status switch
    {
        CheckStatus.Healthy => "healthy",
        CheckStatus.Degraded => "degraded",
        _ => "unhealthy",
    };

    /// <summary>
    /// The JSON reply, the reference's shape with our fields beside it:
    /// <c>{"healthy":bool,"status":"…","checks":{"name":{"healthy":bool,"status":"…","message":"…","durationMs":n,"tags":[…],"data":{…},"exception":"…"}},"uptime":n}</c>.
    /// <c>healthy</c>, <c>status</c>, <c>checks</c> and <c>uptime</c> are always present, and so are each check's
    /// <c>healthy</c>, <c>status</c> and <c>durationMs</c>; <c>message</c>, <c>tags</c>, <c>data</c> and
    /// <c>exception</c> only when there is something to say. A degraded check or status is <c>"healthy":true</c> with
    /// <c>"status":"degraded"</c>, so reference clients (which read <c>healthy</c>) see it as passing. Data values are
    /// written as JSON strings, numbers, booleans or null; anything else (and non-finite numbers) as its invariant
    /// <c>ToString()</c>. Never throws for odd input: unpaired surrogates become U+FFFD, a throwing <c>ToString()</c> is
    /// reported in place of the value.
    /// </summary>
    public static void WriteJson(IBufferWriter<byte> output, DaemonHealth status)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        writer.WriteStartObject();
        writer.WriteBoolean("healthy", status.Healthy);
        writer.WriteString("status", WireName(status.Status));
        writer.WriteStartObject("checks");
        foreach (var (name, result) in status.Checks)
        {
            writer.WriteStartObject(Clean(name));
            writer.WriteBoolean("healthy", result.Healthy);
            writer.WriteString("status", WireName(result.Status));
            if (result.Message is { } message)
                writer.WriteString("message", Clean(message));
            writer.WriteNumber("durationMs", Math.Round(result.Duration.TotalMilliseconds, 3));
            if (result.Tags.Count > 0)
            {
                writer.WriteStartArray("tags");
                foreach (var tag in result.Tags)
                    writer.WriteStringValue(Clean(tag ?? ""));
                writer.WriteEndArray();
            }

            if (result.Data.Count > 0)
            {
                writer.WriteStartObject("data");
                foreach (var (key, value) in result.Data)
                {
                    writer.WritePropertyName(Clean(key));
                    WriteDataValue(writer, value);
                }

                writer.WriteEndObject();
            }

            if (result.ExceptionMessage is { } exception)
                writer.WriteString("exception", Clean(exception));
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteNumber("uptime", status.Uptime);
        writer.WriteEndObject();
    }

    /// <summary>
    /// The checks whose status differs from the one they had (<paramref name="before"/>; a check not in it counts as having
    /// been healthy, so a first healthy run reports nothing), in the order of <paramref name="now"/>, with what they say now;
    /// and the statuses to remember for next time.
    /// </summary>
    public static (Seq<(string Name, CheckStatus Was, CheckResult Now)> Changed, HashMap<string, CheckStatus> Statuses) Changes(
        HashMap<string, CheckStatus> before,
        DaemonHealth now)
    {
        ArgumentNullException.ThrowIfNull(now);
        var changed = toSeq(now.Checks
            .Select(c => (c.Name, Was: before.Find(c.Name).IfNone(CheckStatus.Healthy), Now: c.Result))
            .Where(c => c.Was != c.Now.Status)
            .ToList());
        var statuses = toHashMap(now.Checks.Select(c => (c.Name, c.Result.Status)));
        return (changed, statuses);
    }

    /// <summary>
    /// A one-line summary, e.g. <c>healthy (3 checks)</c>, <c>degraded: cache: slow</c> or
    /// <c>unhealthy: database: connection refused; degraded: cache: slow</c>.
    /// </summary>
    public static string Summary(DaemonHealth status)
    {
        var unhealthy = Listed(status, CheckStatus.Unhealthy, "failed");
        var degraded = Listed(status, CheckStatus.Degraded, "degraded");
        return status.Status switch
        {
            CheckStatus.Unhealthy => "unhealthy: " + unhealthy + (degraded.Length > 0 ? "; degraded: " + degraded : ""),
            CheckStatus.Degraded => "degraded: " + degraded,
            _ => $"healthy ({status.Checks.Count} check{(status.Checks.Count == 1 ? "" : "s")})",
        };
    }

    private static string Listed(DaemonHealth status, CheckStatus which, string fallback) =>
        string.Join("; ", status.Checks.Where(c => c.Result.Status == which).Select(c => $"{c.Name}: {c.Result.Message ?? fallback}"));

    private static void WriteDataValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case string s: writer.WriteStringValue(Clean(s)); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case int i: writer.WriteNumberValue(i); break;
            case long l: writer.WriteNumberValue(l); break;
            case short s16: writer.WriteNumberValue(s16); break;
            case byte u8: writer.WriteNumberValue(u8); break;
            case sbyte s8: writer.WriteNumberValue(s8); break;
            case ushort u16: writer.WriteNumberValue(u16); break;
            case uint u32: writer.WriteNumberValue(u32); break;
            case ulong u64: writer.WriteNumberValue(u64); break;
            case decimal m: writer.WriteNumberValue(m); break;
            case double d when double.IsFinite(d): writer.WriteNumberValue(d); break;
            case float f when float.IsFinite(f): writer.WriteNumberValue(f); break;
            default:
                if (Printed(value) is { } text)
                    writer.WriteStringValue(Clean(text));
                else
                    writer.WriteNullValue();
                break;
        }
    }

    // A value's text, invariantly formatted; a ToString() that throws is reported in place of the value, never rethrown.
    private static string? Printed(object value)
    {
        try
        {
            return value is IFormattable formattable ? formattable.ToString(null, CultureInfo.InvariantCulture) : value.ToString();
        }
        catch (Exception e)
        {
            return $"<{value.GetType().FullName}: ToString() threw {e.GetType().Name}>";
        }
    }

    // Utf8JsonWriter rejects unpaired surrogates; replace them with U+FFFD, copying only when there is one.
    private static string Clean(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (!char.IsSurrogate(text[i]))
                continue;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            return Replaced(text);
        }

        return text;
    }

    private static string Replaced(string text)
    {
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
            }
            else
            {
                builder.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }

        return builder.ToString();
    }

    private static string Format(TimeSpan span) =>
        span.TotalSeconds >= 1 && span.Ticks % TimeSpan.TicksPerSecond == 0 ? $"{span.TotalSeconds:0} s"
        : span.TotalMilliseconds < 1 ? $"{span.TotalMilliseconds:0.###} ms"
        : $"{span.TotalMilliseconds:0} ms";
}
