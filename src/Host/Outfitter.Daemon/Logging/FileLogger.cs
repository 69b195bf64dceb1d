using Microsoft.Extensions.Logging;

namespace Outfitter.Daemon.Logging;

/// <summary>One category's logger of a <see cref="DaemonFileLoggerProvider"/>. Thread-safe.</summary>
internal sealed class FileLogger(string category, DaemonFileLoggerProvider provider) : ILogger
{
    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel) => provider.IsEnabled(logLevel);

    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => provider.Scopes.Push(state);

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!provider.IsEnabled(logLevel))
            return;
        provider.Write(category, logLevel, eventId, state, exception, formatter);
    }
}
