// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

/// <summary>Why a file naming an owner is stale.</summary>
public enum StaleReason
{
    /// <summary>The named process no longer exists.</summary>
    OwnerDead,

    /// <summary>The PID exists but belongs to a different process (its start time differs from the recorded one).</summary>
    PidReused,

    /// <summary>The file names this very process, which does not hold the kernel lock: a leftover of an earlier handle.</summary>
    OwnLeftover,
}
