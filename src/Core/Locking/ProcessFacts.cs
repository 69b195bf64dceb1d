using LanguageExt;

namespace Outfitter.Daemon.Core.Locking;

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

/// <summary>What the operating system says about a PID right now.</summary>
public abstract record ProcessStatus
{
    private ProcessStatus()
    {
    }

    /// <summary>No such process.</summary>
    public sealed record Dead : ProcessStatus;

    /// <summary>
    /// The process exists (including one we may not signal, EPERM). <paramref name="StartTime"/> is its start-time token
    /// when it could be read.
    /// </summary>
    public sealed record Alive(Option<ulong> StartTime) : ProcessStatus;
}
