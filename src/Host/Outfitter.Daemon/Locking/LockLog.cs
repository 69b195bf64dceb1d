using Microsoft.Extensions.Logging;

namespace Outfitter.Daemon.Locking;

/// <summary>
/// The log events of the single-instance lock (category <see cref="DaemonLogCategories.Locking"/>), ids 40–44; each
/// names the daemon and its PID, as the lifecycle's events do.
/// </summary>
internal sealed partial class LockLog(ILogger logger)
{
    private readonly ILogger _logger = logger;

    [LoggerMessage(40, LogLevel.Debug, "Daemon {Name} (PID {Pid}) took the lock {LockPath} (no previous owner)")]
    internal partial void Taken(string name, int pid, string lockPath);

    [LoggerMessage(41, LogLevel.Warning, "Daemon {Name} (PID {Pid}) took the lock {LockPath}: {How}")]
    internal partial void Reclaimed(string name, int pid, string lockPath, string how);

    [LoggerMessage(42, LogLevel.Information, "Daemon {Name} (PID {Pid}) could not take the lock {LockPath}: {Code} {Message}")]
    internal partial void Refused(string name, int pid, string lockPath, string code, string message);

    [LoggerMessage(43, LogLevel.Debug, "Daemon {Name} (PID {Pid}) released the lock {LockPath} (PID file removed)")]
    internal partial void Released(string name, int pid, string lockPath);

    [LoggerMessage(44, LogLevel.Warning, "Daemon {Name} (PID {Pid}): releasing the lock {LockPath} failed: {Message}")]
    internal partial void ReleaseFailed(string name, int pid, string lockPath, string message);
}
