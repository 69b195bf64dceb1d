using Outfitter.Daemon.Core.Paths;

namespace Outfitter.Daemon;

/// <summary>
/// Platform detection and daemon path resolution, the C# shape of the reference's <c>isUnixPlatform</c>,
/// <c>getSocketPath</c>, <c>getLockPath</c>, <c>getPidPath</c> and <c>getDaemonDir</c>.
/// <list type="bullet">
/// <item><c>$XDG_RUNTIME_DIR</c> wins when set (to an absolute path);</item>
/// <item>else Linux <c>/run/user/&lt;uid&gt;</c>, or, when that does not exist (containers, CI, root shells), a private
/// <c>&lt;temp&gt;/outfitter-&lt;uid&gt;</c> created 0700;</item>
/// <item>macOS <c>$TMPDIR</c>; Windows <c>%TEMP%</c> with <c>\\.\pipe\&lt;tool&gt;-daemon</c> and flat
/// <c>&lt;tool&gt;-daemon.lock|.pid</c> files.</item>
/// </list>
/// The string-returning methods throw <see cref="ArgumentException"/> for an unsafe tool name (a programmer error); use
/// <see cref="Resolve"/> to validate names that come from users. Thread-safe.
/// </summary>
public static class DaemonPaths
{
    /// <summary>True on Unix-like platforms (Unix domain sockets); false on Windows (named pipes).</summary>
    public static bool IsUnixPlatform() => DaemonPathResolver.Os.IsUnixPlatform();

    /// <summary>The IPC endpoint: <c>&lt;runtime&gt;/&lt;tool&gt;/daemon.sock</c>, or <c>\\.\pipe\&lt;tool&gt;-daemon</c> on Windows.</summary>
    /// <exception cref="ArgumentException">The tool name is empty, a dot name, too long, or has a separator or control character.</exception>
    public static string GetSocketPath(string tool) => ResolveOrThrow(tool).SocketPath;

    /// <summary>The lock file: <c>&lt;runtime&gt;/&lt;tool&gt;/daemon.lock</c>, or <c>%TEMP%\&lt;tool&gt;-daemon.lock</c>.</summary>
    /// <exception cref="ArgumentException">The tool name is not safe (see <see cref="GetSocketPath"/>).</exception>
    public static string GetLockPath(string tool) => ResolveOrThrow(tool).LockPath;

    /// <summary>The PID file: <c>&lt;runtime&gt;/&lt;tool&gt;/daemon.pid</c>, or <c>%TEMP%\&lt;tool&gt;-daemon.pid</c>.</summary>
    /// <exception cref="ArgumentException">The tool name is not safe (see <see cref="GetSocketPath"/>).</exception>
    public static string GetPidPath(string tool) => ResolveOrThrow(tool).PidPath;

    /// <summary>The tool's directory: <c>&lt;runtime&gt;/&lt;tool&gt;</c>, or <c>%TEMP%</c> on Windows.</summary>
    /// <exception cref="ArgumentException">The tool name is not safe (see <see cref="GetSocketPath"/>).</exception>
    public static string GetDaemonDir(string tool) => ResolveOrThrow(tool).DaemonDir;

    /// <summary>Validates <paramref name="tool"/> and resolves all its paths, as a value instead of an exception.</summary>
    public static Result<DaemonPathSet, PathError> Resolve(string? tool) => DaemonPathResolver.Os.Resolve(tool);

    private static DaemonPathSet ResolveOrThrow(string tool) =>
        Resolve(tool).Match(
            paths => paths,
            error => error.Code == PathErrorCode.InvalidToolName
                ? throw new ArgumentException(error.Message, nameof(tool))
                : throw new IOException(error.Message));
}
