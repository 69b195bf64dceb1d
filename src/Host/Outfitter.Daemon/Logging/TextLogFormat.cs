using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Outfitter.Daemon.Logging;

/// <summary>
/// The text format: <c>2025-01-02T03:04:05.678Z info Outfitter.Daemon.Ipc[12 Listening] Listening on …</c>, then,
/// each indented by four spaces, the message's further lines, the scopes (<c>=&gt; a =&gt; b</c>) and the exception's
/// lines. So an entry starts at a line that starts with a timestamp and owns the indented lines below it; a message can
/// never forge an entry of its own. Levels are the console's four letters: <c>trce dbug info warn fail crit</c>.
/// </summary>
internal static class TextLogFormat
{
    private const string Indent = "    ";

    /// <summary>Formats the entry into <paramref name="buffer"/>'s bytes, ending with a newline.</summary>
    internal static void Write(EntryBuffer buffer, in LogEntryFacts entry)
    {
        var text = buffer.Text;
        text.Append(CultureInfo.InvariantCulture, $"{entry.Timestamp.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}");
        text.Append(' ').Append(ShortLevel(entry.Level)).Append(' ').Append(entry.Category).Append('[').Append(entry.EventId.Id);
        if (!string.IsNullOrEmpty(entry.EventId.Name))
            text.Append(' ').Append(entry.EventId.Name);
        text.Append("] ");
        AppendLines(text, entry.Message, indentFirst: false);
        if (entry.Scopes is { } scopes)
        {
            var start = text.Length;
            scopes.ForEachScope(static (scope, t) => AppendScope(t.Append(" => "), scope), text);
            if (text.Length > start)
            {
                // The scopes' own text may contain line breaks too: re-indent what was appended.
                var rendered = text.ToString(start, text.Length - start);
                text.Length = start;
                text.Append('\n').Append(Indent);
                AppendLines(text, rendered.TrimStart(), indentFirst: false);
            }
        }

        if (entry.Exception is { } exception)
        {
            text.Append('\n');
            AppendLines(text, exception.ToString(), indentFirst: true);
        }

        text.Append('\n');
        buffer.EncodeText();
    }

    /// <summary>The console formatter's four-letter level names.</summary>
    internal static string ShortLevel(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };

    /// <summary>
    /// A scope's own text; for a bag of values without one (a dictionary's <c>ToString</c> is its type's name), the values
    /// as <c>Key:Value Key:Value</c>, as this library's connection and request scopes read.
    /// </summary>
    private static void AppendScope(StringBuilder text, object? scope)
    {
        var own = Convert.ToString(scope, CultureInfo.InvariantCulture);
        if (scope is IEnumerable<KeyValuePair<string, object?>> values && own == scope.GetType().ToString())
        {
            var first = true;
            foreach (var (key, value) in values)
            {
                if (!first)
                    text.Append(' ');
                text.Append(key).Append(':').Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                first = false;
            }
        }
        else
        {
            text.Append(own);
        }
    }

    private static void AppendLines(StringBuilder text, string value, bool indentFirst)
    {
        var first = true;
        foreach (var range in value.AsSpan().Split('\n'))
        {
            var line = value.AsSpan(range).TrimEnd('\r');
            if (!first)
                text.Append('\n');
            if (!first || indentFirst)
                text.Append(Indent);
            text.Append(line);
            first = false;
        }
    }
}
