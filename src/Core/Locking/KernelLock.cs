namespace Outfitter.Daemon.Core.Locking;

/// <summary>Whether another open handle holds the kernel lock on the lock file.</summary>
public enum KernelLock
{
    /// <summary>No other handle holds it (when acquiring: we now hold it).</summary>
    Free,

    /// <summary>Another handle holds it: a live owner, whatever the file says.</summary>
    Held,
}
