using LanguageExt;

namespace Outfitter.Daemon.Core.Ports;

/// <summary>
/// Port: the file operations of a rotating log. Adapters: on Unix an <c>O_APPEND</c> descriptor created with mode 0600
/// (an existing file of ours wider than that is tightened to 0600) and written with <c>write(2)</c>, without the advisory
/// <c>flock</c> .NET's <c>FileStream</c> would take; on Windows a plain append stream shared for reading and deleting.
/// Thread-safe.
/// </summary>
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
