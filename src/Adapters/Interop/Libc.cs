using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Outfitter.Daemon.Adapters.Interop;

/// <summary>
/// The few libc calls .NET has no public API for. <c>[LibraryImport]</c> keeps them trim- and AOT-safe.
/// Constants are Linux's unless a member says otherwise.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static partial class Libc
{
    private const string Lib = "libc";

    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int ESRCH = 3;
    internal const int EACCES = 13;
    internal const int EEXIST = 17;
    internal const int EINTR = 4;
    internal const int EINVAL = 22;
    internal const int ENOTDIR = 20;

    /// <summary>EAGAIN/EWOULDBLOCK: 11 on Linux, 35 on macOS.</summary>
    internal static int EAGAIN => OperatingSystem.IsMacOS() ? 35 : 11;

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int kill(int pid, int sig);

    [LibraryImport(Lib)]
    internal static partial uint getuid();

    /// <summary>The parent's PID (never fails; after the parent exits, the adopting process's: init or a subreaper).</summary>
    [LibraryImport(Lib)]
    internal static partial int getppid();

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mkdir(string path, uint mode);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int open(string path, int flags, uint mode);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport(Lib, SetLastError = true)]
    internal static unsafe partial nint write(nint fd, byte* buffer, nuint count);

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int flock(int fd, int operation);

    internal const int LOCK_EX = 2;
    internal const int LOCK_NB = 4;
    internal const int LOCK_UN = 8;

    /// <summary>Human-readable text for an errno value.</summary>
    internal static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}

/// <summary>Linux-only calls: open-file-description locks and <c>statx</c>.</summary>
[SupportedOSPlatform("linux")]
internal static partial class LinuxLibc
{
    private const string Lib = "libc";

    internal const int F_OFD_GETLK = 36;
    internal const int F_OFD_SETLK = 37;
    internal const short F_WRLCK = 1;
    internal const short F_UNLCK = 2;
    internal const short SEEK_SET = 0;

    internal const int AT_FDCWD = -100;
    internal const int AT_SYMLINK_NOFOLLOW = 0x100;
    internal const int AT_EMPTY_PATH = 0x1000;
    internal const uint STATX_BASIC_STATS = 0x7ff;

    /// <summary><c>struct flock</c> as laid out on 64-bit Linux (x86-64 and arm64 agree).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Flock
    {
        internal short Type;
        internal short Whence;
        internal long Start;
        internal long Length;
        internal int Pid;
    }

    [LibraryImport(Lib, SetLastError = true)]
    internal static partial int fcntl(int fd, int cmd, ref Flock flock);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    /// <summary>The fields of <c>struct statx</c> we use. Its layout is the same on every Linux architecture.</summary>
    internal readonly record struct StatxInfo(ulong Device, ulong Inode, int Mode, uint Uid, long Size)
    {
        private const int S_IFMT = 0xF000;
        internal bool IsRegularFile => (Mode & S_IFMT) == 0x8000;
        internal bool IsDirectory => (Mode & S_IFMT) == 0x4000;
        internal bool IsSymbolicLink => (Mode & S_IFMT) == 0xA000;
        internal bool IsSocket => (Mode & S_IFMT) == 0xC000;
        internal int Permissions => Mode & 0xFFF;
    }

    /// <summary><c>statx</c> of a path without following a final symbolic link; the errno on failure.</summary>
    internal static (StatxInfo Info, int Errno) StatPath(string path) => Stat(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW);

    /// <summary><c>statx</c> of a path, following symbolic links; the errno on failure.</summary>
    internal static (StatxInfo Info, int Errno) StatPathFollowing(string path) => Stat(AT_FDCWD, path, 0);

    /// <summary><c>statx</c> of an open descriptor.</summary>
    internal static (StatxInfo Info, int Errno) StatFd(int fd) => Stat(fd, "", AT_EMPTY_PATH);

    private static unsafe (StatxInfo, int) Stat(int dirfd, string path, int flags)
    {
        // struct statx is 256 bytes: mode (u16) at 28, uid at 20, ino at 32, size at 40, dev_major/minor at 136/140.
        byte* buffer = stackalloc byte[256];
        if (statx(dirfd, path, flags, STATX_BASIC_STATS, buffer) != 0)
            return (default, Marshal.GetLastPInvokeError());
        var uid = *(uint*)(buffer + 20);
        var mode = *(ushort*)(buffer + 28);
        var ino = *(ulong*)(buffer + 32);
        var size = *(long*)(buffer + 40);
        var devMajor = *(uint*)(buffer + 136);
        var devMinor = *(uint*)(buffer + 140);
        return (new StatxInfo(((ulong)devMajor << 32) | devMinor, ino, mode, uid, size), 0);
    }
}
