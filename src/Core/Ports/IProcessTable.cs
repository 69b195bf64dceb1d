using LanguageExt;
using Outfitter.Daemon.Core.Locking;

namespace Outfitter.Daemon.Core.Ports;

/// <summary>Port: the operating system's process table. Thread-safe.</summary>
public interface IProcessTable
{
    /// <summary>This process: its PID and start-time token.</summary>
    ProcessIdentity Current { get; }

    /// <summary>
    /// Whether <paramref name="pid"/> names a live process (true also when we may not signal it) and, if so, its
    /// start-time token when readable. A PID ≤ 0 is always dead.
    /// </summary>
    ProcessStatus Inspect(int pid);

    /// <summary>
    /// This process's parent PID as the OS reports it now; None when it cannot be told. On Unix it changes when the
    /// parent exits (the process is re-parented to init or a subreaper); on Windows it is the creating process's PID and
    /// never changes (that PID may be reused after the parent exits).
    /// </summary>
    Option<int> ParentPid();
}
