using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using LanguageExt;
using Outfitter.Daemon.Adapters.Interop;
using Outfitter.Daemon.Core.Errors;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Adapters.FileLocks;

/// <summary>
/// macOS lock files. macOS has no open-file-description locks, and an exclusive <c>flock</c> on the lock file itself would
/// make every other .NET process fail to open it (each .NET open takes a shared <c>flock</c>), so the kernel lock is an
/// exclusive <c>flock</c> on a sidecar file <c>&lt;lock&gt;.flock</c> that nothing else opens. The sidecar is never deleted,
/// so no unlink race exists for it; it blocks nothing once its owner is gone. Not exercised by CI (Linux only); see
/// docs/adr/0002-single-instance-locking.md. Thread-safe.
/// </summary>
[SupportedOSPlatform("macos")]
internal sealed class FlockSidecarLockFiles : ILockFiles
{
    // macOS open(2) flags.
    private const int O_RDWR = 0x2;
    private const int O_NOFOLLOW = 0x100;
    private const int O_CREAT = 0x200;
    private const int O_CLOEXEC = 0x1000000;

    /// <summary>The sidecar file that carries the kernel lock for <paramref name="lockPath"/>.</summary>
    public static string SidecarPath(string lockPath) => lockPath + ".flock";

    /// <inheritdoc />
    public Fin<LockAttempt> TryLock(string lockPath) =>
        TakeSidecar(lockPath).Map(fd => fd < 0
            ? new LockAttempt.Contended()
            : (LockAttempt)new LockAttempt.Locked(new HeldSidecarLock(fd, lockPath)));

    /// <inheritdoc />
    public Fin<Option<string>> Read(string lockPath) => LockFileIo.ReadUnlocked(lockPath);

    /// <inheritdoc />
    public Fin<KernelLock> Probe(string lockPath)
    {
        if (!File.Exists(SidecarPath(lockPath)))
            return KernelLock.Free;

        // flock has no "would it block?" query: take the lock briefly and let it go.
        return TakeSidecar(lockPath).Map(fd =>
        {
            if (fd < 0)
                return KernelLock.Held;
            Libc.close(fd);
            return KernelLock.Free;
        });
    }

    /// <summary>Opens the sidecar and takes its exclusive lock: the descriptor, or -1 when another holds it.</summary>
    private static Fin<int> TakeSidecar(string lockPath)
    {
        var sidecar = SidecarPath(lockPath);
        var fd = Libc.open(sidecar, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0b110_000_000);
        if (fd < 0)
            return OsErrors.Io($"cannot open {sidecar}: {Libc.Describe(Marshal.GetLastPInvokeError())}");
        if (Libc.flock(fd, Libc.LOCK_EX | Libc.LOCK_NB) == 0)
            return fd;
        var errno = Marshal.GetLastPInvokeError();
        Libc.close(fd);
        return errno == Libc.EAGAIN ? -1 : OsErrors.Io($"cannot lock {sidecar}: {Libc.Describe(errno)}");
    }

    /// <summary>The held sidecar lock; the lock file itself is read and written with ordinary file APIs.</summary>
    private sealed class HeldSidecarLock(int fd, string lockPath) : IHeldLock
    {
        private int _fd = fd;

        public string LockPath => lockPath;

        public Fin<string> Read() => LockFileIo.Guard(lockPath, () =>
        {
            using var handle = LockFileIo.OpenOrCreate(lockPath, FileShare.ReadWrite | FileShare.Delete);
            return LockFileIo.ReadCapped(handle);
        });

        public Fin<Unit> Write(string content) => LockFileIo.Guard(lockPath, () =>
        {
            using var handle = LockFileIo.OpenOrCreate(lockPath, FileShare.ReadWrite | FileShare.Delete);
            LockFileIo.Replace(handle, content);
            return unit;
        });

        public Fin<Unit> Remove() => LockFileIo.Guard(lockPath, () =>
        {
            File.Delete(lockPath);
            return unit;
        });

        public void Dispose()
        {
            var fd = Interlocked.Exchange(ref _fd, -1);
            if (fd >= 0)
                Libc.close(fd);
        }
    }
}
