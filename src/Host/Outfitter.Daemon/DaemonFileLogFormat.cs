namespace Outfitter.Daemon;

/// <summary>How <see cref="DaemonFileLoggerProvider"/> writes each entry.</summary>
public enum DaemonFileLogFormat
{
    /// <summary>
    /// Text for people: <c>2025-01-02T03:04:05.678Z info Category[12 EventName] message</c> on one line; further lines of
    /// the message, the scopes (<c>=&gt; scope =&gt; scope</c>) and the exception follow, each indented by four spaces.
    /// </summary>
    Text = 0,

    /// <summary>
    /// JSON Lines for machines: one object per line with the field names of .NET's JSON console formatter
    /// (<c>Timestamp</c>, <c>EventId</c>, <c>EventName</c>, <c>LogLevel</c>, <c>Category</c>, <c>Message</c>,
    /// <c>Exception</c>, <c>State</c>, <c>Scopes</c>).
    /// </summary>
    Json = 1,
}
