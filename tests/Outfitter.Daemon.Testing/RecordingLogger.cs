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
public sealed record LogEntry(LogLevel Level, EventId EventId, string Message, IReadOnlyDictionary<string, object?> Properties, Exception? Exception);
