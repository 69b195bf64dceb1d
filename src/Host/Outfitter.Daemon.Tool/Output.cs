using System.Text.Json;

namespace Outfitter.Daemon.Tool;

/// <summary>Writes results either as readable lines or, with <c>--json</c>, as one JSON object per command.</summary>
public sealed class Output(TextWriter stdout, TextWriter stderr, bool json)
{
    /// <summary>Standard output.</summary>
    public TextWriter Stdout => stdout;

    /// <summary>Standard error.</summary>
    public TextWriter Stderr => stderr;

    /// <summary>Whether <c>--json</c> was asked for.</summary>
    public bool Json => json;

    /// <summary>Writes a result: <paramref name="fields"/> as a table, or as a JSON object with them.</summary>
    public void Result(params (string Key, object? Value)[] fields)
    {
        if (json)
        {
            stdout.WriteLine(ToJson(fields));
            return;
        }

        var width = fields.Max(f => f.Key.Length);
        foreach (var (key, value) in fields)
            stdout.WriteLine($"{key.PadRight(width)}  {Text(value)}");
    }

    /// <summary>Writes raw JSON (already serialized) to stdout.</summary>
    public void RawJson(string jsonText) => stdout.WriteLine(jsonText);

    /// <summary>Writes a message for people (stdout without --json; nothing with --json).</summary>
    public void Say(string line)
    {
        if (!json)
            stdout.WriteLine(line);
    }

    /// <summary>Writes text as it is (a script, a log) and reports success.</summary>
    public int Text(string text)
    {
        stdout.Write(text);
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Writes an error: what happened and what to do (stderr; also a JSON object on stdout with --json, with the
    /// <paramref name="suggestions"/> for a mistyped word).
    /// </summary>
    public int Fail(int exitCode, string message, IReadOnlyList<string>? suggestions = null)
    {
        stderr.WriteLine(message);
        if (json)
        {
            stdout.WriteLine(suggestions is { Count: > 0 }
                ? ToJson([("ok", false), ("exitCode", exitCode), ("error", message), ("suggestions", suggestions)])
                : ToJson([("ok", false), ("exitCode", exitCode), ("error", message)]));
        }

        return exitCode;
    }

    private static string Text(object? value) => value switch
    {
        null => "-",
        bool b => b ? "yes" : "no",
        JsonElement e when e.ValueKind == JsonValueKind.String => e.GetString() ?? "",
        JsonElement e => e.GetRawText(),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };

    private static string ToJson((string Key, object? Value)[] fields)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in fields)
            {
                writer.WritePropertyName(key);
                switch (value)
                {
                    case null: writer.WriteNullValue(); break;
                    case bool b: writer.WriteBooleanValue(b); break;
                    case int i: writer.WriteNumberValue(i); break;
                    case long l: writer.WriteNumberValue(l); break;
                    case double d: writer.WriteNumberValue(d); break;
                    case JsonElement e: e.WriteTo(writer); break;
                    case IReadOnlyList<string> strings:
                        writer.WriteStartArray();
                        foreach (var item in strings)
                            writer.WriteStringValue(item);
                        writer.WriteEndArray();
                        break;
                    default: writer.WriteStringValue(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)); break;
                }
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
