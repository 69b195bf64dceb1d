using System.Runtime.Versioning;
using LanguageExt;
using Microsoft.Win32.SafeHandles;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Adapters.FileLocks;

/// <summary>
/// Windows lock files: the kernel lock is our open handle, which shares reading (so the PID stays readable) but not
/// writing. Windows closes it when the process dies. Not exercised by CI (Linux only). Thread-safe.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed class ExclusiveHandleLockFiles : ILockFiles
{
    // ERROR_SHARING_VIOLATION and ERROR_LOCK_VIOLATION as HRESULTs.
    private const int SharingViolation = unchecked((int)0x80070020);
    private const int LockViolation = unchecked((int)0x80070021);

    /// <inheritdoc />
    public Fin<LockAttempt> TryLock(string lockPath) =>
        Open(lockPath).Map(handle => handle is null
            ? new LockAttempt.Contended()
            : (LockAttempt)new LockAttempt.Locked(new HeldHandle(handle, lockPath)));

    /// <inheritdoc />
    public Fin<Option<string>> Read(string lockPath) => LockFileIo.ReadUnlocked(lockPath);

    /// <inheritdoc />
    public Fin<KernelLock> Probe(string lockPath)
    {
        if (!File.Exists(lockPath))
            return KernelLock.Free;
        return Open(lockPath).Map(handle =>
        {
            if (handle is null)
                return KernelLock.Held;
            handle.Dispose();
            return KernelLock.Free;
        });
    }

    private static Fin<SafeFileHandle?> Open(string lockPath) =>
        LockFileIo.Guard(lockPath, () =>
        {
            try
            {
                return LockFileIo.OpenOrCreate(lockPath, FileShare.Read | FileShare.Delete);
            }
            catch (IOException e) when (e.HResult is SharingViolation or LockViolation)
            {
                return (SafeFileHandle?)null;
            }
        });

    private sealed class HeldHandle(SafeFileHandle handle, string lockPath) : IHeldLock
    {
        public string LockPath => lockPath;

        public Fin<string> Read() => LockFileIo.Guard(lockPath, () => LockFileIo.ReadCapped(handle));

        public Fin<Unit> Write(string content) => LockFileIo.Guard(lockPath, () =>
        {
            LockFileIo.Replace(handle, content);
            return unit;
        });

        public Fin<Unit> Remove() => LockFileIo.Guard(lockPath, () =>
        {
            File.Delete(lockPath);
            return unit;
        });

        public void Dispose() => handle.Dispose();
    }
}
