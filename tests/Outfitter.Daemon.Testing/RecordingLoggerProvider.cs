using Microsoft.Extensions.Logging;

namespace Outfitter.Daemon.Testing;

/// <summary>
/// An <see cref="ILoggerProvider"/> that keeps every entry of every category with its structured properties and the
/// scopes it was written in, for assertions about categories and scopes: add it to a <c>LoggerFactory</c>
/// (<c>LoggerFactory.Create(b =&gt; b.AddProvider(provider).SetMinimumLevel(LogLevel.Trace))</c>) or to a host's logging
/// (<c>builder.Logging.AddProvider(provider)</c>). Thread-safe.
/// </summary>
public sealed class RecordingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly List<LogEntry> _entries = [];
    private readonly List<(Func<LogEntry, bool> Match, TaskCompletionSource<LogEntry> Found)> _waiting = [];
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    /// <summary>Everything logged so far, in order.</summary>
    public IReadOnlyList<LogEntry> Entries
    {
        get
        {
            lock (_entries)
                return [.. _entries];
        }
    }

    /// <summary>The first entry (logged before or after the call) that matches, or a <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task<LogEntry> WaitForAsync(Func<LogEntry, bool> match, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(match);
        var found = new TaskCompletionSource<LogEntry>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_entries)
        {
            var existing = _entries.FirstOrDefault(match);
            if (existing is not null)
                return existing;
            _waiting.Add((match, found));
        }

        try
        {
            return await found.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No matching log entry within {timeout}; logged: {string.Join(" | ", Entries.Select(e => $"[{e.Category}] {e.Message}"))}");
        }
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc />
    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider ?? new LoggerExternalScopeProvider();

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private void Add(LogEntry entry)
    {
        List<TaskCompletionSource<LogEntry>> found = [];
        lock (_entries)
        {
            _entries.Add(entry);
            for (var i = _waiting.Count - 1; i >= 0; i--)
            {
                if (_waiting[i].Match(entry))
                {
                    found.Add(_waiting[i].Found);
                    _waiting.RemoveAt(i);
                }
            }
        }

        foreach (var waiter in found)
            waiter.TrySetResult(entry);
    }

    private static IReadOnlyDictionary<string, object?> Properties(object? state) => state is IEnumerable<KeyValuePair<string, object?>> pairs
        ? pairs.Where(p => p.Key != "{OriginalFormat}").GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value)
        : new Dictionary<string, object?> { ["Scope"] = state?.ToString() };

    private sealed class Logger(RecordingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new List<IReadOnlyDictionary<string, object?>>();
            provider._scopes.ForEachScope((scope, list) => list.Add(Properties(scope)), scopes);
            var properties = state is IEnumerable<KeyValuePair<string, object?>> ? Properties(state) : new Dictionary<string, object?>();
            provider.Add(new LogEntry(logLevel, eventId, formatter(state, exception), properties, exception) { Category = category, Scopes = scopes });
        }
    }
}
