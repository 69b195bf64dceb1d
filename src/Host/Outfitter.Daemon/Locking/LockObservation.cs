using LanguageExt;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon.Locking;

/// <summary>
/// The facts every lock decision starts from, gathered through the ports in one place: the lock file's parsed content
/// and the status of the process it names (this process is never inspected). Used by <see cref="DaemonLockService"/>
/// and <see cref="DaemonStopper"/>, so both decide on the same observation.
/// </summary>
internal static class LockObservation
{
    /// <summary>The kernel lock as a probe sees it; a probe we cannot make counts as free (the file's word then decides, or a stop refuses).</summary>
    internal static KernelLock Kernel(ILockFiles files, string lockPath) => files.Probe(lockPath).IfFail(KernelLock.Free);

    /// <summary>The lock file's content; an unreadable file is invalid content, never an exception.</summary>
    internal static LockFileContent Content(ILockFiles files, string lockPath) =>
        files.Read(lockPath).Match(
            Succ: LockFileContent.Parse,
            Fail: error => new LockFileContent.Invalid($"it cannot be read: {error.Message}"));

    /// <summary>The status of the process <paramref name="content"/> names, unless it names <paramref name="self"/>.</summary>
    internal static Option<ProcessStatus> Named(IProcessTable processes, LockFileContent content, ProcessIdentity self) =>
        LockDecisions.PidToInspect(content, self).Map(processes.Inspect);
}
