using LanguageExt;

namespace Outfitter.Daemon.Core.Locking;

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
