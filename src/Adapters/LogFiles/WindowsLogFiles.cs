using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using LanguageExt;
using Microsoft.Win32.SafeHandles;
using Outfitter.Daemon.Adapters.FileLocks;
using Outfitter.Daemon.Adapters.Interop;
using Outfitter.Daemon.Core.Errors;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Adapters.LogFiles;

/// <summary>
/// Log files on Windows: an unbuffered append stream, shared for reading, writing and deleting so viewers and the
/// rotation's renames are not refused. No mode (the file inherits the directory's ACL; daemon files live under the
/// per-user <c>%TEMP%</c>). Read through a handle shared for reading, writing and deleting (the writer's rotation can
/// rename or delete a file being read); a file's identity is its volume serial number and file index
/// (<c>GetFileInformationByHandle</c>), not its creation time, which file-system tunnelling hands on to a new file created
/// under a just-renamed name. Not exercised by CI (Linux only). Thread-safe.
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
    public Fin<Unit> Rename(string from, string to) => LogFileRotation.Rename(from, to);

    /// <inheritdoc />
    public Fin<Unit> Delete(string path) => LogFileRotation.Delete(path);

    /// <inheritdoc />
    public Fin<Option<LogFileStat>> Stat(string path) =>
        OpenRead(path).Bind(opened => opened.Match(
            Some: reader =>
            {
                using (reader)
                    return reader.Length().Map(length => Some(new LogFileStat(reader.Id, length)));
            },
            None: () => Fin<Option<LogFileStat>>.Succ(None)));

    /// <inheritdoc />
    public Fin<Option<ILogFileReader>> OpenRead(string path) => Guard(path, () =>
    {
        if (Directory.Exists(path))
            return OsErrors.WrongKind($"{path} is a directory");
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Fin<Option<ILogFileReader>>.Succ(None);
        }

        if (!Kernel32.GetFileInformationByHandle(handle, out var info))
        {
            var error = Marshal.GetLastPInvokeError();
            handle.Dispose();
            return OsErrors.Io($"cannot identify {path}: {Marshal.GetPInvokeErrorMessage(error)}");
        }

        var id = new LogFileId(info.VolumeSerialNumber, ((ulong)info.FileIndexHigh << 32) | info.FileIndexLow);
        return Some((ILogFileReader)new WindowsLogFileReader(handle, path, id));
    });

    /// <summary>The adapters' one translation of file exceptions (<see cref="LockFileIo.Guard{T}"/>).</summary>
    private static Fin<T> Guard<T>(string path, Func<T> action) => LockFileIo.Guard(path, action);

    private static Fin<T> Guard<T>(string path, Func<Fin<T>> action) => LockFileIo.Guard(path, action).Bind(result => result);

    private sealed class WindowsLogFileReader(SafeFileHandle handle, string path, LogFileId id) : ILogFileReader
    {
        public LogFileId Id => id;

        public Fin<long> Length() => Guard(path, () => RandomAccess.GetLength(handle));

        public Fin<int> Read(long offset, Span<byte> buffer)
        {
            try
            {
                return RandomAccess.Read(handle, buffer, offset);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException)
            {
                return OsErrors.Io($"cannot read {path}: {e.Message}");
            }
        }

        public void Dispose() => handle.Dispose();
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
