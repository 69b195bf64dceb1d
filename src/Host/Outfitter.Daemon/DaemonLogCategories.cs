namespace Outfitter.Daemon;

/// <summary>
/// The logger categories this library writes under when it is given an <c>ILoggerFactory</c>, for filtering
/// (<c>"Logging": { "LogLevel": { "Outfitter.Daemon.Ipc": "Warning" } }</c>). Every category starts with
/// <see cref="Root"/>, so one rule covers them all.
/// </summary>
public static class DaemonLogCategories
{
    /// <summary>The common prefix, <c>Outfitter.Daemon</c>.</summary>
    public const string Root = "Outfitter.Daemon";

    /// <summary>The IPC server and its connections: <c>Outfitter.Daemon.Ipc</c>.</summary>
    public const string Ipc = "Outfitter.Daemon.Ipc";

    /// <summary>Start, stop, signals and shutdown handlers: <c>Outfitter.Daemon.Lifecycle</c>.</summary>
    public const string Lifecycle = "Outfitter.Daemon.Lifecycle";

    /// <summary>The single-instance lock (PID file): <c>Outfitter.Daemon.Locking</c>.</summary>
    public const string Locking = "Outfitter.Daemon.Locking";

    /// <summary>Health checks: <c>Outfitter.Daemon.Health</c>.</summary>
    public const string Health = "Outfitter.Daemon.Health";

    /// <summary>The log file's own notices (entries it had to drop): <c>Outfitter.Daemon.Logging</c>.</summary>
    public const string Logging = "Outfitter.Daemon.Logging";

    /// <summary>systemd notifications and the watchdog: <c>Outfitter.Daemon.Systemd</c>.</summary>
    public const string Systemd = "Outfitter.Daemon.Systemd";
}
