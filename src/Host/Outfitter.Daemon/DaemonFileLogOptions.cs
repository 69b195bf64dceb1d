using Microsoft.Extensions.Logging;
using Outfitter.Daemon.Core.Logging;

namespace Outfitter.Daemon;

/// <summary>
/// Options of <see cref="DaemonFileLoggerProvider"/>: where the log goes, when it rotates, how entries look and which
/// are written. The provider validates them (listing every problem) and copies them once, when it is created.
/// </summary>
public sealed class DaemonFileLogOptions
{
    /// <summary>The default cap of one file: 10 MiB.</summary>
    public const long DefaultMaxFileSizeBytes = LogRotation.DefaultMaxFileBytes;

    /// <summary>The default number of files kept: the file and two rotated ones (<c>.1</c>, <c>.2</c>).</summary>
    public const int DefaultMaxFiles = LogRotation.DefaultMaxFiles;

    /// <summary>
    /// The log file, for example <c>Path.Combine(DaemonPaths.GetRuntimeDirectory("my-service"), "daemon.log")</c>.
    /// Rotated files are <c>Path.1</c> (the previous) up to <c>Path.{MaxFiles-1}</c> (the oldest). The file is created
    /// with mode 0600 and missing directories with 0700 on Unix. Required.
    /// </summary>
    public string Path { get; set; } = "";

    /// <summary>
    /// The size in bytes at which the file rotates (default 10 MiB): an entry that would take the file past it goes into a
    /// fresh file instead. A single entry larger than the cap is written whole, into a file of its own.
    /// </summary>
    public long MaxFileSizeBytes { get; set; } = DefaultMaxFileSizeBytes;

    /// <summary>How many files are kept, the one being written included (default 3; 1 to 100). 1 starts the file afresh at the cap.</summary>
    public int MaxFiles { get; set; } = DefaultMaxFiles;

    /// <summary>Text (default) or JSON Lines.</summary>
    public DaemonFileLogFormat Format { get; set; } = DaemonFileLogFormat.Text;

    /// <summary>
    /// The least severe level written (default <see cref="LogLevel.Information"/>). The logging framework's own filters
    /// (<c>Logging:LogLevel</c>, <c>AddFilter</c>) apply first.
    /// </summary>
    public LogLevel MinimumLevel { get; set; } = LogLevel.Information;

    /// <summary>Whether the scopes around an entry are written (default true), for example a connection's and a request's.</summary>
    public bool IncludeScopes { get; set; } = true;

    /// <summary>Every problem with these options, each saying what to fix; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Path))
            problems.Add("Path is empty: give the log file's path, e.g. \"/var/log/my-service/daemon.log\".");
        else if (Path.Contains('\0', StringComparison.Ordinal))
            problems.Add("Path contains a NUL character.");
        problems.AddRange(LogRotation.Validate(MaxFileSizeBytes, MaxFiles));
        if (!Enum.IsDefined(Format))
            problems.Add($"Format is {(int)Format}; use Text or Json.");
        if (MinimumLevel is < LogLevel.Trace or > LogLevel.None)
            problems.Add($"MinimumLevel is {(int)MinimumLevel}; use a LogLevel from Trace to None.");
        return problems;
    }
}
