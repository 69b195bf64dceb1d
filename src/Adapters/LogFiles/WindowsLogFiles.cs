using System.Runtime.Versioning;
using LanguageExt;
using Outfitter.Daemon.Core.Errors;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Adapters.LogFiles;

/// <summary>
/// Log files on Windows: an unbuffered append stream, shared for reading, writing and deleting so viewers and the
/// rotation's renames are not refused. No mode (the file inherits the directory's ACL; daemon files live under the
/// per-user <c>%TEMP%</c>). Not exercised by CI (Linux only). Thread-safe.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed class WindowsLogFiles : ILogFiles
{
    /// <inheritdoc />
    public Fin<ILogFile> OpenAppend(string path) => Guard(path, () =>
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(path));
        if (parent is not null)
            Directory.CreateDirectory(parent);
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0,
        });
        return (ILogFile)new WindowsLogFile(stream, path);
    });

    /// <inheritdoc />
    public Fin<Unit> Rename(string from, string to) => Guard(from, () =>
    {
        if (File.Exists(from))
            File.Move(from, to, overwrite: true);
        return unit;
    });

    /// <inheritdoc />
    public Fin<Unit> Delete(string path) => Guard(path, () =>
    {
        if (File.Exists(path))
            File.Delete(path);
        return unit;
    });

    private static Fin<T> Guard<T>(string path, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (UnauthorizedAccessException e)
        {
            return OsErrors.PermissionDenied($"{path}: {e.Message}");
        }
        catch (IOException e)
        {
            return OsErrors.Io($"{path}: {e.Message}");
        }
    }

    private sealed class WindowsLogFile(FileStream stream, string path) : ILogFile
    {
        public Fin<long> Length() => Guard(path, () => stream.Length);

        public Fin<Unit> Append(ReadOnlySpan<byte> entry)
        {
            try
            {
                stream.Write(entry);
                stream.Flush();
                return unit;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException)
            {
                return OsErrors.Io($"cannot write to {path}: {e.Message}");
            }
        }

        public void Dispose() => stream.Dispose();
    }
}
