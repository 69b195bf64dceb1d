using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Outfitter.Daemon.Logging;

/// <summary>
/// The JSON Lines format, one object per line, with the field names of .NET's <c>JsonConsoleFormatter</c> so whatever
/// reads that output reads this file: <c>Timestamp</c> (ISO 8601 UTC, milliseconds), <c>EventId</c> (number),
/// <c>EventName</c> (only when the event has a name), <c>LogLevel</c> (<c>Information</c>, …), <c>Category</c>,
/// <c>Message</c>, <c>Exception</c> (its <c>ToString()</c>, only when there is one), <c>State</c> (the template's named
/// values and <c>{OriginalFormat}</c>, only when there are any) and <c>Scopes</c> (each a string, or an object of its
/// values with <c>Message</c> its text; only when there are any). Written with <see cref="Utf8JsonWriter"/>: no
/// reflection, so trimming and Native AOT stay safe.
/// </summary>
internal static class JsonLogFormat
{
    /// <summary>Formats the entry into <paramref name="buffer"/>'s bytes, ending with a newline.</summary>
    internal static void Write(EntryBuffer buffer, in LogEntryFacts entry)
    {
        var json = buffer.Json;
        json.WriteStartObject();
        Span<char> timestamp = stackalloc char[32];
        entry.Timestamp.UtcDateTime.TryFormat(timestamp, out var length, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        json.WriteString("Timestamp", timestamp[..length]);
        json.WriteNumber("EventId", entry.EventId.Id);
        if (!string.IsNullOrEmpty(entry.EventId.Name))
            json.WriteString("EventName", entry.EventId.Name);
        json.WriteString("LogLevel", LevelName(entry.Level));
        json.WriteString("Category", entry.Category);
        json.WriteString("Message", entry.Message);
        if (entry.Exception is { } exception)
            json.WriteString("Exception", exception.ToString());
        if (entry.State is { Count: > 0 } state)
        {
            json.WriteStartObject("State");
            foreach (var (key, value) in state)
                WriteValue(json, key, value);
            json.WriteEndObject();
        }

        if (entry.Scopes is { } scopes)
        {
            var any = false;
            scopes.ForEachScope(
                (scope, w) =>
                {
                    if (!any)
                        w.WriteStartArray("Scopes");
                    any = true;
                    WriteScope(w, scope);
                },
                json);
            if (any)
                json.WriteEndArray();
        }

        json.WriteEndObject();
        json.Flush();
        buffer.Bytes.Write("\n"u8);
    }

    /// <summary>The full level names, as <c>JsonConsoleFormatter</c> writes them.</summary>
    internal static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "Trace",
        LogLevel.Debug => "Debug",
        LogLevel.Information => "Information",
        LogLevel.Warning => "Warning",
        LogLevel.Error => "Error",
        LogLevel.Critical => "Critical",
        _ => "None",
    };

    private static void WriteScope(Utf8JsonWriter json, object? scope)
    {
        if (scope is IEnumerable<KeyValuePair<string, object?>> values)
        {
            json.WriteStartObject();
            json.WriteString("Message", scope.ToString());
            foreach (var (key, value) in values)
                WriteValue(json, key, value);
            json.WriteEndObject();
        }
        else
        {
            json.WriteStringValue(Convert.ToString(scope, CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Numbers and booleans as JSON numbers and booleans, null as null, everything else as its invariant text.</summary>
    private static void WriteValue(Utf8JsonWriter json, string key, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNull(key);
                break;
            case bool b:
                json.WriteBoolean(key, b);
                break;
            case string s:
                json.WriteString(key, s);
                break;
            case int i:
                json.WriteNumber(key, i);
                break;
            case long l:
                json.WriteNumber(key, l);
                break;
            case short sh:
                json.WriteNumber(key, sh);
                break;
            case byte by:
                json.WriteNumber(key, by);
                break;
            case sbyte sb:
                json.WriteNumber(key, sb);
                break;
            case ushort us:
                json.WriteNumber(key, us);
                break;
            case uint ui:
                json.WriteNumber(key, ui);
                break;
            case ulong ul:
                json.WriteNumber(key, ul);
                break;
            case decimal m:
                json.WriteNumber(key, m);
                break;
            case double d when double.IsFinite(d):
                json.WriteNumber(key, d);
                break;
            case float f when float.IsFinite(f):
                json.WriteNumber(key, f);
                break;
            case DateTime dt:
                json.WriteString(key, dt);
                break;
            case DateTimeOffset dto:
                json.WriteString(key, dto);
                break;
            case Guid g:
                json.WriteString(key, g);
                break;
            default:
                json.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
