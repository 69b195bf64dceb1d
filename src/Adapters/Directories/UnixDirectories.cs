using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using LanguageExt;
using Outfitter.Daemon.Adapters.Interop;
using Outfitter.Daemon.Core.Errors;
using Outfitter.Daemon.Core.Paths;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Adapters.Directories;

/// <summary>Directories for daemon files on Unix: created 0700; facts read with <c>statx</c> on Linux. Thread-safe.</summary>
[UnsupportedOSPlatform("windows")]
internal sealed class UnixDirectories : IDirectories
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <inheritdoc />
    public Fin<Option<DirectoryFacts>> Inspect(string path)
    {
        if (!OperatingSystem.IsLinux())
            return OsErrors.Unsupported($"cannot check who owns {path} on this platform; set XDG_RUNTIME_DIR to a private directory");
        var (info, errno) = LinuxLibc.StatPath(path);
        if (errno == Libc.ENOENT)
            return Option<DirectoryFacts>.None;
        if (errno != 0)
            return OsErrors.Io($"cannot inspect {path}: {Libc.Describe(errno)}");
        return Some(new DirectoryFacts(info.IsDirectory, info.IsSymbolicLink, info.Uid, info.Permissions));
    }

    /// <inheritdoc />
    public Fin<Unit> CreateAll(string path) => Guard(path, () =>
    {
        // Directory.CreateDirectory(path, mode) applies the mode to the last directory only; create each missing one.
        var missing = new Stack<string>();
        for (var dir = Path.GetFullPath(path); !Directory.Exists(dir); dir = Path.GetDirectoryName(dir)!)
        {
            missing.Push(dir);
            if (Path.GetDirectoryName(dir) is null)
                break;
        }

        while (missing.TryPop(out var dir))
            Directory.CreateDirectory(dir, OwnerOnly);
    });

    /// <inheritdoc />
    public Fin<Unit> CreatePrivate(string path)
    {
        if (Libc.mkdir(path, 0b111_000_000) == 0)
            return unit;
        var errno = Marshal.GetLastPInvokeError();
        return OsErrors.Io($"cannot create {path}: {Libc.Describe(errno)}");
    }

    /// <inheritdoc />
    public Fin<Unit> SetOwnerOnly(string path) => Guard(path, () => File.SetUnixFileMode(path, OwnerOnly));

    /// <inheritdoc />
    public Fin<Unit> RemoveTree(string path) => Guard(path, () =>
    {
        if (Directory.Exists(path))
            Directory.Delete(path, recursive: true);
    });

    private static Fin<Unit> Guard(string path, Action action)
    {
        try
        {
            action();
            return unit;
        }
        catch (UnauthorizedAccessException e)
        {
            return OsErrors.PermissionDenied($"cannot prepare {path}: {e.Message}");
        }
        catch (IOException e)
        {
            return OsErrors.Io($"cannot prepare {path}: {e.Message}");
        }
    }
}
