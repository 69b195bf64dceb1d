using Microsoft.Extensions.Logging;
using Outfitter.Daemon.Core.Lifecycle;

namespace Outfitter.Daemon;

/// <summary>
/// Options of a daemon, the reference's <c>DaemonOptions</c> plus signal behaviour. Copied and validated once by
/// <see cref="Daemon.Create"/> (or <see cref="DaemonRuntime"/>'s constructor); the daemon never writes to them.
/// </summary>
public sealed class DaemonOptions
{
    /// <summary>The daemon's name, used in messages and logs.</summary>
    public string Name { get; set; } = "";

    /// <summary>
    /// The PID file. It is also the lock file: while the daemon runs, a kernel lock on it proves ownership, so a crashed
    /// daemon's file never blocks the next start. <c>DaemonPaths.GetLockPath(name)</c> or <c>GetPidPath(name)</c> are good choices.
    /// </summary>
    public string PidFile { get; set; } = "";

    /// <summary>Where lifecycle and lock events go (every category in this one logger); none when null. Takes precedence over <see cref="LoggerFactory"/>.</summary>
    public ILogger? Logger { get; set; }

    /// <summary>
    /// When <see cref="Logger"/> is null: creates the loggers of categories <see cref="DaemonLogCategories.Lifecycle"/>
    /// (start, stop, signals, shutdown handlers) and <see cref="DaemonLogCategories.Locking"/> (the PID file's lock).
    /// </summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>How long all shutdown handlers together may take (default 5 s, as in the reference).</summary>
    public TimeSpan ShutdownTimeout { get; set; } = OptionRules.DefaultShutdownTimeout;

    /// <summary>Whether SIGTERM, SIGINT and SIGQUIT stop the daemon gracefully while it runs (default true).</summary>
    public bool HandleSignals { get; set; } = true;

    /// <summary>
    /// Whether the process exits once a signal-initiated stop completes (default true): code 0, or 124 after a shutdown
    /// timeout, or 1 when the PID file could not be removed. Turn off when something else owns the process lifetime.
    /// Read by the composition (<see cref="Daemon.Create"/>), which attaches <see cref="DaemonExit.ExitOnSignal"/>.
    /// </summary>
    public bool ExitOnSignal { get; set; } = true;

    /// <summary>Every problem with these options, each saying what to fix; empty when valid.</summary>
    public IReadOnlyList<string> Validate() => [.. OptionRules.Validate(Name, PidFile, ShutdownTimeout)];
}
