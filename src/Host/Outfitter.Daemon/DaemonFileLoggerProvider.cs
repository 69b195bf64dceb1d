using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Lifecycle;
using Outfitter.Daemon.Core.Logging;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Logging;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon;

/// <summary>
/// An <see cref="ILoggerProvider"/> that writes to a rotating log file, for a daemon that has no console
/// (<see cref="DaemonFileLogOptions"/>: the path, a cap per file, how many files are kept, text or JSON Lines, the
/// least level). Each entry is appended whole under one lock, so entries of many threads never interleave, and handed to
/// the operating system before <c>Log</c> returns, so a crash of the process loses nothing logged before it. When the
/// next entry would take the file past <see cref="DaemonFileLogOptions.MaxFileSizeBytes"/>, <c>daemon.log.2</c> is
/// dropped, <c>daemon.log.1</c> becomes <c>daemon.log.2</c>, <c>daemon.log</c> becomes <c>daemon.log.1</c>, and a new
/// <c>daemon.log</c> (mode 0600 on Unix) takes the entry. Timestamps come from the given <see cref="TimeProvider"/>.
/// <para>
/// Logging never fails the daemon: no exception leaves <c>Log</c>. An entry that cannot be written (disk full,
/// permission, a state whose <c>ToString</c> throws) is dropped and counted in <see cref="DroppedEntries"/>, with the
/// reason in <see cref="LastError"/>; for a second after a failure the file system is left alone, and the first entry
/// written again is preceded by a warning (category <see cref="DaemonLogCategories.Logging"/>, event 1
/// <c>EntriesDropped</c>) saying how many were lost and why. Nothing goes to the console: a detached daemon has none.
/// </para>
/// With the Generic Host use <c>builder.Logging.AddDaemonLogFile(…)</c> (Outfitter.Daemon.Hosting); its configuration
/// alias is <c>DaemonFile</c> (<c>"Logging": { "DaemonFile": { "LogLevel": { … } } }</c>). Thread-safe.
/// </summary>
[ProviderAlias("DaemonFile")]
public sealed class DaemonFileLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private static readonly EventId EntriesDropped = new(1, nameof(EntriesDropped));

    private readonly ConcurrentDictionary<string, FileLogger> _loggers = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly DaemonFileLogFormat _format;
    private readonly LogLevel _minimumLevel;
    private readonly bool _includeScopes;
    private readonly FileLogWriter _writer;
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    /// <summary>Writes to this operating system's file system.</summary>
    /// <param name="options">The options; validated and copied.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public DaemonFileLoggerProvider(DaemonFileLogOptions options)
        : this(options, OsPorts.Current.LogFiles, OsPorts.Current.Time)
    {
    }

    /// <summary>Writes through the given ports (for example the test kit's <c>FakeMachine.Ports.LogFiles</c> and its clock).</summary>
    /// <param name="options">The options; validated and copied.</param>
    /// <param name="files">The file operations.</param>
    /// <param name="time">The clock of the timestamps and of the retry after a failure.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public DaemonFileLoggerProvider(DaemonFileLogOptions options, ILogFiles files, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(files);
        _time = time ?? throw new ArgumentNullException(nameof(time));
        var problems = options.Validate();
        if (problems.Count > 0)
            throw new ArgumentException(OptionRules.Describe("daemon log file", toSeq(problems)), nameof(options));
        var policy = LogRotationPolicy.Create(options.MaxFileSizeBytes, options.MaxFiles)
            .Match(p => p, p => throw new ArgumentException(OptionRules.Describe("daemon log file", p), nameof(options)));
        Path = options.Path;
        MaxFileSizeBytes = options.MaxFileSizeBytes;
        MaxFiles = options.MaxFiles;
        _format = options.Format;
        _minimumLevel = options.MinimumLevel;
        _includeScopes = options.IncludeScopes;
        _writer = new FileLogWriter(Path, policy, files, time, DropNotice);
    }

    /// <summary>The log file; rotated files are <c>Path.1</c> … <c>Path.{MaxFiles-1}</c>.</summary>
    public string Path { get; }

    /// <summary>The cap of one file, in bytes.</summary>
    public long MaxFileSizeBytes { get; }

    /// <summary>How many files are kept, the one being written included.</summary>
    public int MaxFiles { get; }

    /// <summary>Entries that could not be written and were dropped, since the provider was created.</summary>
    public long DroppedEntries => _writer.Dropped;

    /// <summary>The last failure (why an entry was dropped, or a rotation step that failed); null while nothing has failed.</summary>
    public string? LastError => _writer.LastError;

    /// <summary>The scopes entries are written with: the logger factory's, or the provider's own when used without one.</summary>
    internal IExternalScopeProvider Scopes => Volatile.Read(ref _scopes);

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName)
    {
        ArgumentNullException.ThrowIfNull(categoryName);
        return _loggers.GetOrAdd(categoryName, static (category, provider) => new FileLogger(category, provider), this);
    }

    /// <inheritdoc />
    public void SetScopeProvider(IExternalScopeProvider scopeProvider) =>
        Volatile.Write(ref _scopes, scopeProvider ?? throw new ArgumentNullException(nameof(scopeProvider)));

    /// <summary>Closes the file. Entries logged afterwards are ignored.</summary>
    public void Dispose() => _writer.Dispose();

    internal bool IsEnabled(LogLevel level) => level != LogLevel.None && level >= _minimumLevel;

    /// <summary>Formats the entry outside the lock, then appends it; never throws.</summary>
    internal void Write<TState>(string category, LogLevel level, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var buffer = EntryBuffer.Rent();
        try
        {
            var entry = new LogEntryFacts(
                _time.GetUtcNow(),
                level,
                category,
                eventId,
                formatter is null ? Convert.ToString(state, System.Globalization.CultureInfo.InvariantCulture) ?? "" : formatter(state, exception) ?? "",
                exception,
                state as IReadOnlyList<KeyValuePair<string, object?>>,
                _includeScopes ? Scopes : null);
            Format(buffer, entry);
        }
        catch (Exception e)
        {
            // A state or exception whose ToString throws must not take the daemon down with it.
            _writer.Drop($"an entry of {category} could not be formatted: {e.GetType().Name}: {e.Message}", recordFailure: false);
            return;
        }

        try
        {
            _writer.Write(buffer.Bytes.WrittenSpan);
        }
        finally
        {
            EntryBuffer.Return(buffer);
        }
    }

    private void Format(EntryBuffer buffer, in LogEntryFacts entry)
    {
        if (_format == DaemonFileLogFormat.Json)
            JsonLogFormat.Write(buffer, entry);
        else
            TextLogFormat.Write(buffer, entry);
    }

    private byte[] DropNotice(long count, string reason)
    {
        var buffer = EntryBuffer.Rent();
        var entry = new LogEntryFacts(
            _time.GetUtcNow(),
            LogLevel.Warning,
            DaemonLogCategories.Logging,
            EntriesDropped,
            $"{count} log {(count == 1 ? "entry" : "entries")} could not be written to {Path} and {(count == 1 ? "was" : "were")} dropped: {reason}",
            null,
            [new("Count", count), new("Path", Path), new("Reason", reason), new("{OriginalFormat}", "{Count} log entries could not be written to {Path} and were dropped: {Reason}")],
            null);
        Format(buffer, entry);
        var bytes = buffer.Bytes.WrittenSpan.ToArray();
        EntryBuffer.Return(buffer);
        return bytes;
    }
}
