using LanguageExt;
using Outfitter.Daemon.Core.Paths;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Ipc;

/// <summary>Which transport an endpoint path means, and whether a Unix socket path fits the kernel's limit.</summary>
public static class SocketPaths
{
    /// <summary>The longest Unix socket path in bytes: <c>sun_path</c> is 108 bytes on Linux and 104 on macOS, NUL included.</summary>
    internal static int MaxUnixPathBytes(OsFamily os) => os == OsFamily.Linux ? 107 : 103;

    /// <summary>True for a Windows named-pipe path (<c>\\.\pipe\name</c>).</summary>
    public static bool IsNamedPipe(string path) => path.StartsWith(@"\\.\pipe\", StringComparison.OrdinalIgnoreCase);

    /// <summary>The pipe name of a named-pipe path (<c>\\.\pipe\x</c> → <c>x</c>).</summary>
    public static string PipeName(string path) => path[@"\\.\pipe\".Length..];

    /// <summary>Checks a Unix socket path: not empty, no NUL, short enough for <c>sun_path</c>.</summary>
    public static Either<string, string> ValidateUnix(string? path, OsFamily os)
    {
        if (string.IsNullOrWhiteSpace(path))
            return Left<string, string>("the socket path is empty");
        if (path.Contains('\0', StringComparison.Ordinal))
            return Left<string, string>("the socket path contains a NUL character");
        var bytes = System.Text.Encoding.UTF8.GetByteCount(path);
        var max = MaxUnixPathBytes(os);
        return bytes > max
            ? Left<string, string>($"the socket path is {bytes} bytes long; Unix sockets allow at most {max}. Use a shorter tool name, or set XDG_RUNTIME_DIR to a shorter directory")
            : Right<string, string>(path);
    }

    /// <summary>
    /// The lock file that belongs to a socket: <c>&lt;dir&gt;/daemon.lock</c> beside <c>&lt;dir&gt;/daemon.sock</c>, as
    /// <see cref="PathResolver"/> lays them out. None for other names (the caller can name it explicitly).
    /// </summary>
    internal static Option<string> SiblingLockPath(string socketPath) =>
        socketPath.EndsWith("/" + PathResolver.SocketFileName, StringComparison.Ordinal)
            ? Some(socketPath[..^PathResolver.SocketFileName.Length] + PathResolver.LockFileName)
            : None;
}
