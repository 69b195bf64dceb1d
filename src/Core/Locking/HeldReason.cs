// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

/// <summary>Why the lock is considered held.</summary>
public enum HeldReason
{
    /// <summary>Another handle holds the kernel lock.</summary>
    KernelLock,

    /// <summary>
    /// No kernel lock, but the file names a live process that matches it (a reference-format file written by the
    /// TypeScript package, which takes no kernel lock, or an owner whose start time we could not read).
    /// </summary>
    LiveOwnerInFile,
}
