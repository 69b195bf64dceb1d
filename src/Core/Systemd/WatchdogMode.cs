// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

/// <summary>When the watchdog is fed.</summary>
public enum WatchdogMode
{
    /// <summary>Only while every health check passes, so systemd restarts a daemon whose checks fail (default).</summary>
    HealthyOnly,

    /// <summary>Always, as long as the process runs (systemd then only catches hangs).</summary>
    Always,
}
