using System.Text;
using LanguageExt;
using LanguageExt.Common;
using Microsoft.Win32.SafeHandles;
using Outfitter.Daemon.Core.Errors;
using Outfitter.Daemon.Core.Locking;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Adapters.FileLocks;

/// <summary>Plain file reads and writes shared by the lock adapters, with exceptions translated to <see cref="Error"/>.</summary>
internal static class LockFileIo
{
    /// <summary>Owner read and write: 0600.</summary>
    internal const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Opens or creates (mode 0600 on Unix) a file for reading and writing, unbuffered, and returns its handle.</summary>
    internal static SafeFileHandle OpenOrCreate(string path, FileShare share)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Share = share,
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = OwnerReadWrite;

        // The stream only creates the handle; the handle owns the descriptor from here on.
        var stream = new FileStream(path, options);
        GC.SuppressFinalize(stream);
        return stream.SafeFileHandle;
    }

    /// <summary>Reads at most <see cref="LockFileContent.MaxBytes"/> + 1 bytes, enough to tell an oversized file.</summary>
    internal static string ReadCapped(SafeFileHandle handle)
    {
        var buffer = new byte[LockFileContent.MaxBytes + 1];
        var total = 0;
        while (total < buffer.Length)
        {
            var n = RandomAccess.Read(handle, buffer.AsSpan(total), total);
            if (n == 0)
                break;
            total += n;
        }

        return Encoding.UTF8.GetString(buffer, 0, total);
    }

    /// <summary>Replaces the content: write first, then cut the tail, so a reader never sees an empty file mid-update.</summary>
    internal static void Replace(SafeFileHandle handle, string content)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        RandomAccess.Write(handle, bytes, 0);
        RandomAccess.SetLength(handle, bytes.Length);
    }

    /// <summary>Reads a file that we do not lock; None when it is missing.</summary>
    internal static Fin<Option<string>> ReadUnlocked(string path) =>
        Guard(path, () =>
        {
            try
            {
                // Every .NET open on Unix takes a shared flock; that never conflicts with the owner's kernel lock.
                using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                return Some(ReadCapped(handle));
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return Option<string>.None;
            }
        });

    /// <summary>Runs <paramref name="action"/>, translating the exceptions file APIs throw into <see cref="OsErrors"/>.</summary>
    internal static Fin<T> Guard<T>(string path, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (UnauthorizedAccessException e) when (Directory.Exists(path))
        {
            return OsErrors.WrongKind($"{path} is a directory ({e.Message})");
        }
        catch (UnauthorizedAccessException e)
        {
            return OsErrors.PermissionDenied(e.Message);
        }
        catch (PathTooLongException e)
        {
            return OsErrors.WrongKind(e.Message);
        }
        catch (IOException e)
        {
            return OsErrors.Io(e.Message);
        }
    }
}
