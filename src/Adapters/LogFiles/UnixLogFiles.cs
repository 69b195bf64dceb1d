using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using LanguageExt;
using LanguageExt.Common;
using Microsoft.Win32.SafeHandles;
using Outfitter.Daemon.Adapters.Interop;
using Outfitter.Daemon.Core.Errors;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Adapters.LogFiles;

/// <summary>
/// Log files on Unix. Opened with <c>open(O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)</c> and written with
/// <c>write(2)</c>: every write lands at the end even when another descriptor appends to the same file (a shell redirect,
/// a second writer), nothing is buffered in this process, and no advisory <c>flock</c> is taken (a <c>FileStream</c> would
/// take one), so readers and log shippers are never blocked. An existing file of ours whose mode is wider than 0600 is
/// tightened to 0600; one that belongs to someone else keeps the mode its owner chose. Read with
/// <c>open(O_RDONLY | O_NONBLOCK | O_CLOEXEC)</c> (no lock either) and <c>pread</c>; a file's identity is its device and
/// inode (<c>statx</c>) on Linux, and on macOS, where there is no <c>statx</c> and the <c>stat</c> layout differs between
/// architectures, its birth time. Thread-safe.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal sealed class UnixLogFiles(IDirectories directories) : ILogFiles
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    // open(2) flags: Linux's, and macOS's where they differ.
    private const int O_RDONLY = 0x0;
    private const int O_WRONLY = 0x1;
    private static readonly int O_NONBLOCK = OperatingSystem.IsMacOS() ? 0x4 : 0x800;
    private static readonly int O_CREAT = OperatingSystem.IsMacOS() ? 0x200 : 0x40;
    private static readonly int O_APPEND = OperatingSystem.IsMacOS() ? 0x8 : 0x400;
    private static readonly int O_CLOEXEC = OperatingSystem.IsMacOS() ? 0x1000000 : 0x80000;

    /// <inheritdoc />
    public Fin<ILogFile> OpenAppend(string path) => CreateParent(path).Bind(_ => Open(path));

    /// <summary>Creates the missing parent directories, mode 0700 (as every directory of daemon files).</summary>
    private Fin<Unit> CreateParent(string path)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(path));
        return parent is null || Directory.Exists(parent) ? unit : directories.CreateAll(parent);
    }

    private static Fin<ILogFile> Open(string path)
    {
        var fd = Libc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0b110_000_000);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            var message = $"cannot open {path}: {Libc.Describe(errno)}";
            return errno is Libc.EACCES or Libc.EPERM ? OsErrors.PermissionDenied(message) : OsErrors.Io(message);
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        Tighten(handle);
        return new UnixLogFile(handle, path);
    }

    /// <inheritdoc />
    public Fin<Unit> Rename(string from, string to) => LogFileRotation.Rename(from, to);

    /// <inheritdoc />
    public Fin<Unit> Delete(string path) => LogFileRotation.Delete(path);

    /// <inheritdoc />
    public Fin<Option<LogFileStat>> Stat(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            // No statx: open the file and ask the descriptor.
            return OpenRead(path).Bind(opened => opened.Match(
                Some: reader =>
                {
                    using (reader)
                        return reader.Length().Map(length => Some(new LogFileStat(reader.Id, length)));
                },
                None: () => Fin<Option<LogFileStat>>.Succ(None)));
        }

        var (info, errno) = LinuxLibc.StatPathFollowing(path);
        if (errno is Libc.ENOENT or Libc.ENOTDIR)
            return Option<LogFileStat>.None;
        if (errno != 0)
            return ReadFailure(path, errno, "cannot stat");
        if (!info.IsRegularFile)
            return OsErrors.WrongKind($"{path} is not a regular file");
        return Some(new LogFileStat(new LogFileId(info.Device, info.Inode), info.Size));
    }

    /// <inheritdoc />
    public Fin<Option<ILogFileReader>> OpenRead(string path)
    {
        var fd = Libc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is Libc.ENOENT or Libc.ENOTDIR ? Option<ILogFileReader>.None : ReadFailure(path, errno, "cannot open");
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        var id = Identify(handle, path);
        if (id.IsFail)
            handle.Dispose();
        return id.Map(i => Some((ILogFileReader)new UnixLogFileReader(handle, path, i)));
    }

    /// <summary>The identity of an open file, and that it is a regular file.</summary>
    private static Fin<LogFileId> Identify(SafeFileHandle handle, string path)
    {
        if (OperatingSystem.IsLinux())
        {
            var (info, errno) = LinuxLibc.StatFd((int)handle.DangerousGetHandle());
            if (errno != 0)
                return ReadFailure(path, errno, "cannot stat");
            return info.IsRegularFile ? new LogFileId(info.Device, info.Inode) : OsErrors.WrongKind($"{path} is not a regular file");
        }

        try
        {
            return new LogFileId(0, (ulong)File.GetCreationTimeUtc(handle).Ticks);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return OsErrors.Io($"cannot stat {path}: {e.Message}");
        }
    }

    private static Error ReadFailure(string path, int errno, string what)
    {
        var message = $"{what} {path}: {Libc.Describe(errno)}";
        return errno is Libc.EACCES or Libc.EPERM ? OsErrors.PermissionDenied(message) : OsErrors.Io(message);
    }

    /// <summary>
    /// Narrows the mode of a file created before (by an older version, a shell redirect under umask 022) to 0600. Only the
    /// owner may change it; a shared log owned by someone else keeps its mode, which is that owner's choice.
    /// </summary>
    private static void Tighten(SafeFileHandle handle)
    {
        try
        {
            if ((File.GetUnixFileMode(handle) & ~OwnerReadWrite) != 0)
                File.SetUnixFileMode(handle, OwnerReadWrite);
        }
        catch (UnauthorizedAccessException)
        {
            // Not our file: its owner decides who may read it.
        }
    }

    /// <summary>A read-only descriptor, read with <c>pread</c>. One reader at a time.</summary>
    private sealed class UnixLogFileReader(SafeFileHandle handle, string path, LogFileId id) : ILogFileReader
    {
        public LogFileId Id => id;

        public Fin<long> Length()
        {
            try
            {
                return RandomAccess.GetLength(handle);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                return OsErrors.Io($"cannot read the size of {path}: {e.Message}");
            }
        }

        public Fin<int> Read(long offset, Span<byte> buffer)
        {
            try
            {
                return RandomAccess.Read(handle, buffer, offset);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException or NotSupportedException)
            {
                return OsErrors.Io($"cannot read {path}: {e.Message}");
            }
        }

        public void Dispose() => handle.Dispose();
    }

    /// <summary>An open <c>O_APPEND</c> descriptor. One writer at a time (the facade's writer holds a lock).</summary>
    private sealed class UnixLogFile(SafeFileHandle handle, string path) : ILogFile
    {
        public Fin<long> Length()
        {
            try
            {
                return RandomAccess.GetLength(handle);
            }
            catch (IOException e)
            {
                return OsErrors.Io($"cannot read the size of {path}: {e.Message}");
            }
        }

        public unsafe Fin<Unit> Append(ReadOnlySpan<byte> entry)
        {
            var added = false;
            try
            {
                handle.DangerousAddRef(ref added);
                var fd = handle.DangerousGetHandle();
                fixed (byte* start = entry)
                {
                    var written = 0;
                    while (written < entry.Length)
                    {
                        var n = Libc.write(fd, start + written, (nuint)(entry.Length - written));
                        if (n >= 0)
                        {
                            written += (int)n;
                            continue;
                        }

                        var errno = Marshal.GetLastPInvokeError();
                        if (errno == Libc.EINTR)
                            continue;
                        return OsErrors.Io($"cannot write to {path}: {Libc.Describe(errno)}");
                    }
                }

                return unit;
            }
            catch (ObjectDisposedException)
            {
                return OsErrors.Io($"{path} is closed");
            }
            finally
            {
                if (added)
                    handle.DangerousRelease();
            }
        }

        public void Dispose() => handle.Dispose();
    }
}
