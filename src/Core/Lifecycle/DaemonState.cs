// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

/// <summary>The daemon's lifecycle state, as in the reference (<c>"stopped" | "starting" | "running" | "stopping"</c>).</summary>
public enum DaemonState
{
    /// <summary>Initial state; not running.</summary>
    Stopped,

    /// <summary>Taking the PID file's lock.</summary>
    Starting,

    /// <summary>Active.</summary>
    Running,

    /// <summary>Running shutdown handlers.</summary>
    Stopping,
}

/// <summary>What moves the daemon between states.</summary>
public enum LifecycleEvent
{
    /// <summary>Start was requested.</summary>
    Start,

    /// <summary>The PID file is written and locked.</summary>
    Started,

    /// <summary>Start could not complete (PID file held or unwritable).</summary>
    StartFailed,

    /// <summary>Stop was requested (by the API or a signal).</summary>
    Stop,

    /// <summary>Shutdown handlers have run (or timed out) and the PID file is released.</summary>
    Stopped,
}
