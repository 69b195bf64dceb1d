using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using LanguageExt;
using Microsoft.Win32.SafeHandles;
using Outfitter.Daemon.Adapters.Interop;
using Outfitter.Daemon.Core.Errors;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Adapters.FileLocks;

/// <summary>
/// Linux lock files guarded by an open-file-description lock (<c>fcntl F_OFD_SETLK</c>) on the lock file itself.
/// The lock belongs to our open descriptor: it is released when the descriptor closes or the process dies, it excludes
/// every other descriptor (in this process too), and it does not conflict with the shared <c>flock</c> every .NET open
/// takes, so other processes can still read the PID with ordinary file APIs. See docs/adr/0002-single-instance-locking.md.
/// Thread-safe.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class OfdLockFiles : ILockFiles
{
    // Each retry means another process unlinked or replaced the file between our open and our lock; a handful is plenty.
    private const int MaxAttempts = 100;

    /// <inheritdoc />
    public Fin<LockAttempt> TryLock(string lockPath)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var (before, beforeErrno) = LinuxLibc.StatPath(lockPath);
            if (beforeErrno == 0 && before.IsSymbolicLink)
                return OsErrors.WrongKind($"{lockPath} is a symbolic link; refusing to follow it");

            var opened = LockFileIo.Guard(lockPath, () => LockFileIo.OpenOrCreate(lockPath, FileShare.ReadWrite | FileShare.Delete));
            if (opened.IsFail)
                return opened.Map(_ => (LockAttempt)new LockAttempt.Contended());
            var handle = (SafeFileHandle)opened;

            var locked = SetLock(handle, lockPath);
            if (locked.IsFail || !(bool)locked)
            {
                handle.Dispose();
                return locked.Map(_ => (LockAttempt)new LockAttempt.Contended());
            }

            // Close the unlink race: the file we locked may have been unlinked (by an owner releasing) or replaced after we
            // opened it. Holding a lock on an orphaned inode proves nothing, so confirm the path still names it.
            if (SameFile(handle, lockPath))
                return new LockAttempt.Locked(new HeldOfdLock(handle, lockPath));
            handle.Dispose();
        }

        return OsErrors.Io($"{lockPath} kept being replaced while we locked it ({MaxAttempts} attempts)");
    }

    /// <inheritdoc />
    public Fin<Option<string>> Read(string lockPath) => LockFileIo.ReadUnlocked(lockPath);

    /// <inheritdoc />
    public Fin<KernelLock> Probe(string lockPath) =>
        LockFileIo.Guard(lockPath, () =>
        {
            SafeFileHandle handle;
            try
            {
                handle = File.OpenHandle(lockPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return Fin<KernelLock>.Succ(KernelLock.Free);
            }

            using (handle)
            {
                // F_OFD_GETLK asks "could I take a write lock?" without taking anything; it also sees our own other handles.
                var query = WholeFile(LinuxLibc.F_WRLCK);
                if (LinuxLibc.fcntl((int)handle.DangerousGetHandle(), LinuxLibc.F_OFD_GETLK, ref query) != 0)
                    return ErrnoError(lockPath, "probe the lock on", Marshal.GetLastPInvokeError());
                return Fin<KernelLock>.Succ(query.Type == LinuxLibc.F_UNLCK ? KernelLock.Free : KernelLock.Held);
            }
        }).Bind(x => x);

    private static Fin<bool> SetLock(SafeFileHandle handle, string lockPath)
    {
        var request = WholeFile(LinuxLibc.F_WRLCK);
        if (LinuxLibc.fcntl((int)handle.DangerousGetHandle(), LinuxLibc.F_OFD_SETLK, ref request) == 0)
            return true;
        var errno = Marshal.GetLastPInvokeError();
        return errno == Libc.EAGAIN || errno == Libc.EACCES ? false : ErrnoError(lockPath, "lock", errno).Map(_ => false);
    }

    private static LinuxLibc.Flock WholeFile(short type) =>
        new() { Type = type, Whence = LinuxLibc.SEEK_SET, Start = 0, Length = 0, Pid = 0 };

    internal static bool SameFile(SafeFileHandle handle, string path)
    {
        var (held, heldErrno) = LinuxLibc.StatFd((int)handle.DangerousGetHandle());
        var (named, namedErrno) = LinuxLibc.StatPath(path);
        return heldErrno == 0 && namedErrno == 0 && held.Device == named.Device && held.Inode == named.Inode;
    }

    private static Fin<KernelLock> ErrnoError(string path, string verb, int errno) =>
        errno == Libc.EINVAL
            ? OsErrors.Unsupported($"the file system of {path} does not support open-file-description locks (Linux 3.15+ on a local file system is required)")
            : OsErrors.Io($"cannot {verb} {path}: {Libc.Describe(errno)}");

    /// <summary>The held lock: our descriptor, whose closing drops the kernel lock.</summary>
    private sealed class HeldOfdLock(SafeFileHandle handle, string lockPath) : IHeldLock
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
            // Unlink while still holding the lock, and only our own inode: a successor's file is never deleted.
            if (SameFile(handle, lockPath))
                File.Delete(lockPath);
            return unit;
        });

        public void Dispose() => handle.Dispose();
    }
}
