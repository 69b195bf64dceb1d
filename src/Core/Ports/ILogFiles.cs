using LanguageExt;

namespace Outfitter.Daemon.Core.Ports;

/// <summary>
/// Port: the file operations of a rotating log, writing and reading. Adapters: on Unix an <c>O_APPEND</c> descriptor
/// created with mode 0600 (an existing file of ours wider than that is tightened to 0600) and written with
/// <c>write(2)</c>, without the advisory <c>flock</c> .NET's <c>FileStream</c> would take; on Windows a plain append
/// stream shared for reading and deleting. Reading opens a descriptor of its own (<c>O_RDONLY</c>, no lock; on Windows
/// shared for reading, writing and deleting, so the writer's renames are never refused) and reads at an offset
/// (<c>pread</c>). Thread-safe.
/// </summary>
/// <remarks>
/// A reader follows rotation by identity: <see cref="Stat"/> tells what the path names now, an open
/// <see cref="ILogFileReader"/> keeps reading the file it opened even after it is renamed (or deleted, on Unix), and two
/// <see cref="LogFileId"/>s are equal exactly when they name the same file.
/// </remarks>
public interface ILogFiles
{
    /// <summary>
    /// Opens <paramref name="path"/> for appending, creating it (mode 0600 on Unix) and any missing parent directories
    /// (mode 0700 on Unix).
    /// </summary>
    Fin<ILogFile> OpenAppend(string path);

    /// <summary>Renames <paramref name="from"/> to <paramref name="to"/>, replacing it; nothing at <paramref name="from"/> is fine.</summary>
    Fin<Unit> Rename(string from, string to);

    /// <summary>Deletes the file; nothing there is fine.</summary>
    Fin<Unit> Delete(string path);

    /// <summary>
    /// What <paramref name="path"/> names now (following symbolic links), without opening it: its identity and size, or
    /// None when nothing is there (the file or a parent directory is missing). Something that is not a regular file is a
    /// <c>WrongKind</c> error; a directory that may not be searched, <c>PermissionDenied</c>.
    /// </summary>
    Fin<Option<LogFileStat>> Stat(string path);

    /// <summary>
    /// Opens <paramref name="path"/> for reading, or None when nothing is there. The reader takes no lock and does not
    /// stop the writer from appending to, renaming or deleting the file; it keeps reading the file it opened.
    /// </summary>
    Fin<Option<ILogFileReader>> OpenRead(string path);
}

/// <summary>
/// The identity of a file, which does not change when the file is renamed and differs between two files that exist at
/// the same time: the device and inode numbers on Unix, the volume serial number and file index on Windows. (On macOS,
/// where the adapter has no portable <c>stat</c> layout, the device is 0 and the file is the birth time in ticks.)
/// </summary>
/// <param name="Device">The device (Unix) or volume serial number (Windows).</param>
/// <param name="File">The inode (Unix) or file index (Windows).</param>
public readonly record struct LogFileId(ulong Device, ulong File);

/// <summary>What a path names: a file's identity and its size in bytes.</summary>
/// <param name="Id">The file's identity.</param>
/// <param name="Length">Its size in bytes.</param>
public sealed record LogFileStat(LogFileId Id, long Length);

/// <summary>
/// A log file open for reading. It stays on the file it opened: after a rotation renames that file (to <c>path.1</c>) it
/// still reads it, and a new file at the path is a different <see cref="Id"/>. Disposing closes it. Not thread-safe.
/// </summary>
public interface ILogFileReader : IDisposable
{
    /// <summary>The identity of the open file.</summary>
    LogFileId Id { get; }

    /// <summary>The open file's size in bytes now.</summary>
    Fin<long> Length();

    /// <summary>
    /// Reads up to <c>buffer.Length</c> bytes starting at byte <paramref name="offset"/> of the file into
    /// <paramref name="buffer"/> (<c>pread</c>: no file position is kept) and returns how many were read; fewer than asked
    /// only at the end of the file (or when the OS returns a short read), 0 at or past the end.
    /// </summary>
    Fin<int> Read(long offset, Span<byte> buffer);
}

/// <summary>An open log file. Disposing closes it. Not thread-safe: one writer (under its lock) uses it.</summary>
public interface ILogFile : IDisposable
{
    /// <summary>The file's size in bytes now.</summary>
    Fin<long> Length();

    /// <summary>
    /// Appends every byte of <paramref name="entry"/> at the end of the file and hands them to the operating system before
    /// returning (no buffer in this process), so a crash of the process does not lose them.
    /// </summary>
    Fin<Unit> Append(ReadOnlySpan<byte> entry);
}
