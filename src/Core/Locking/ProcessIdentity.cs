using LanguageExt;

// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

/// <summary>
/// A process as the lock file records it: its PID and, where the platform can tell, an opaque start-time token
/// (Linux: field 22 of <c>/proc/&lt;pid&gt;/stat</c>, clock ticks since boot) that tells a PID apart from a later reuse.
/// </summary>
/// <param name="Pid">The process id.</param>
/// <param name="StartTime">The start-time token, when known (null when the platform cannot tell).</param>
public sealed record ProcessIdentity(int Pid, ulong? StartTime)
{
    /// <summary>A process whose start-time token is an option, as the core's parsers and the tests produce it.</summary>
    internal ProcessIdentity(int pid, Option<ulong> start)
        : this(pid, start.MatchUnsafe(Some: st => (ulong?)st, None: () => null))
    {
    }

    /// <summary>The start-time token as the core's decisions compare it.</summary>
    internal Option<ulong> Start => StartTime is { } start ? Prelude.Some(start) : Prelude.None;
}
