// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

/// <summary>The signals a stop sends.</summary>
public enum ProcessSignal
{
    /// <summary>SIGTERM: please stop (on Windows, where there is no polite equivalent for a console-less daemon, a kill).</summary>
    Terminate,

    /// <summary>SIGKILL: stop now.</summary>
    Kill,
}
