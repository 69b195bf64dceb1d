using Microsoft.Extensions.Logging;

namespace Outfitter.Daemon.Testing;

/// <summary>An <see cref="ILogger"/> that keeps every entry with its structured properties, for assertions.</summary>
public sealed class RecordingLogger : ILogger
{
    private readonly List<LogEntry> _entries = [];

    /// <summary>Everything logged so far.</summary>
    public IReadOnlyList<LogEntry> Entries
    {
        get
        {
            lock (_entries)
                return [.. _entries];
        }
    }

    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel) => true;

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var properties = state is IEnumerable<KeyValuePair<string, object?>> pairs
            ? pairs.Where(p => p.Key != "{OriginalFormat}").ToDictionary(p => p.Key, p => p.Value)
            : new Dictionary<string, object?>();
        lock (_entries)
            _entries.Add(new LogEntry(logLevel, eventId, formatter(state, exception), properties, exception));
    }
}

/// <summary>One recorded log entry.</summary>
public sealed record LogEntry(LogLevel Level, EventId EventId, string Message, IReadOnlyDictionary<string, object?> Properties, Exception? Exception)
{
    /// <summary>The logger's category; empty when recorded by a <see cref="RecordingLogger"/>, which has none.</summary>
    public string Category { get; init; } = "";

    /// <summary>
    /// The properties of every scope the entry was written in, outermost first (<see cref="RecordingLoggerProvider"/>
    /// only); a scope whose state is not a list of properties appears as one property <c>Scope</c> with its text.
    /// </summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> Scopes { get; init; } = [];

    /// <summary>The value of <paramref name="key"/> in the innermost scope that has it; null when none has.</summary>
    public object? ScopeValue(string key) => Scopes.Reverse().FirstOrDefault(s => s.ContainsKey(key)) is { } scope ? scope[key] : null;
}
