// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

/// <summary>Why a stop may not signal the process a lock file names.</summary>
public enum SignalRefusal
{
    /// <summary>
    /// Nobody holds the kernel lock: no daemon of ours owns the lock, whatever the file says (a leftover of a crashed
    /// owner, or a file written by a process that takes no kernel lock, such as the TypeScript package).
    /// </summary>
    NotLocked,

    /// <summary>The lock is held, but the file names no PID yet (the holder has locked and not yet written).</summary>
    NoPidInFile,

    /// <summary>The file names this very process; a stop never signals itself.</summary>
    NamesSelf,

    /// <summary>The named process was not inspected, so nothing says it is the holder.</summary>
    NotInspected,

    /// <summary>The named process no longer exists (the holder has not yet rewritten its dead predecessor's file).</summary>
    OwnerDead,

    /// <summary>The file records no start time, or the named process's start time cannot be read: the PID cannot be trusted.</summary>
    StartTimeUnknown,

    /// <summary>The named PID belongs to a different process now (its start time differs from the recorded one).</summary>
    PidReused,
}
