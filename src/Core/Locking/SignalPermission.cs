using LanguageExt;
using Outfitter.Daemon.Core.Locking;

// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

/// <summary>Whether a stop may send a signal, and to whom: a closed set of cases, decided by <see cref="StopDecisions.WhomToSignal"/>.</summary>
public abstract record SignalPermission
{
    private SignalPermission()
    {
    }

    /// <summary>The kernel lock is held and <paramref name="Owner"/> (PID and start time) is provably the process the file names.</summary>
    public sealed record Allowed(ProcessIdentity Owner) : SignalPermission;

    /// <summary>No process may be signalled; <paramref name="NamedPid"/> is the PID the file names, if any (else null).</summary>
    /// <param name="Reason">Why nothing may be signalled.</param>
    /// <param name="NamedPid">The PID the lock file names, or null.</param>
    public sealed record Refused(SignalRefusal Reason, int? NamedPid) : SignalPermission
    {
        /// <summary>A refusal whose named PID is an option, as the core's decisions produce it.</summary>
        internal Refused(SignalRefusal reason, Option<int> namedPid)
            : this(reason, namedPid.MatchUnsafe(Some: p => (int?)p, None: () => null))
        {
        }

        /// <summary>The named PID as the core's decisions use it.</summary>
        internal Option<int> Named => NamedPid is { } pid ? Prelude.Some(pid) : Prelude.None;
    }
}
