// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

/// <summary>The signals that stop a daemon (POSIX numbers on Linux and macOS).</summary>
public enum StopSignal
{
    /// <summary>SIGINT (2): Ctrl+C.</summary>
    Interrupt = 2,

    /// <summary>SIGQUIT (3).</summary>
    Quit = 3,

    /// <summary>SIGTERM (15): the polite request from <c>kill</c>, systemd, Docker.</summary>
    Terminate = 15,
}
