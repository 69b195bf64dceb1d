using LanguageExt;
using Outfitter.Daemon.Adapters.FileLocks;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Adapters.LogFiles;

/// <summary>
/// The rotation's renames and deletes, the same on every platform (<c>File.Move</c> with overwrite is <c>rename(2)</c> on
/// Unix and <c>MoveFileEx(MOVEFILE_REPLACE_EXISTING)</c> on Windows); nothing at the path is fine. Errors are translated
/// by <see cref="LockFileIo.Guard{T}"/>, as every file operation of the adapters is.
/// </summary>
internal static class LogFileRotation
{
    /// <summary>Renames <paramref name="from"/> to <paramref name="to"/>, replacing it.</summary>
    internal static Fin<Unit> Rename(string from, string to) => LockFileIo.Guard(from, () =>
    {
        if (File.Exists(from))
            File.Move(from, to, overwrite: true);
        return unit;
    });

    /// <summary>Deletes <paramref name="path"/>.</summary>
    internal static Fin<Unit> Delete(string path) => LockFileIo.Guard(path, () =>
    {
        if (File.Exists(path))
            File.Delete(path);
        return unit;
    });
}
