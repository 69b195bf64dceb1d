using LanguageExt;
using Outfitter.Daemon.Core.Paths;
using static LanguageExt.Prelude;

// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

/// <summary>Where the runtime directory came from; explains a resolved path.</summary>
public enum RuntimeDirSource
{
    /// <summary><c>$XDG_RUNTIME_DIR</c> was set to an absolute path.</summary>
    XdgRuntimeDir,

    /// <summary>Linux <c>/run/user/&lt;uid&gt;</c>.</summary>
    RunUser,

    /// <summary>macOS <c>$TMPDIR</c> (per-user there).</summary>
    MacTmpDir,

    /// <summary>Windows <c>%TEMP%</c>.</summary>
    WindowsTemp,

    /// <summary>
    /// A directory <c>outfitter-&lt;uid&gt;</c> under the temp dir, used when <c>/run/user/&lt;uid&gt;</c> does not exist
    /// (containers, CI, root shells). It must be created 0700 and owned by the user before use.
    /// </summary>
    PrivateTempFallback,
}

/// <summary>The resolved locations of one tool's daemon files. Immutable.</summary>
/// <param name="Tool">The validated tool name.</param>
/// <param name="Os">The platform the paths are for.</param>
/// <param name="RuntimeDir">The base runtime directory.</param>
/// <param name="Source">Where <paramref name="RuntimeDir"/> came from.</param>
/// <param name="DaemonDir">The tool's directory (<c>&lt;runtime&gt;/&lt;tool&gt;</c>; the temp dir on Windows).</param>
/// <param name="SocketPath">Unix socket path, or <c>\\.\pipe\&lt;tool&gt;-daemon</c> on Windows.</param>
/// <param name="LockPath">The lock file.</param>
/// <param name="PidPath">The PID file.</param>
public sealed record DaemonPathSet(
    ToolName Tool,
    OsFamily Os,
    string RuntimeDir,
    RuntimeDirSource Source,
    string DaemonDir,
    string SocketPath,
    string LockPath,
    string PidPath)
{
    /// <summary>
    /// The base directory that must be made private (0700, owned by us) before use: only the temp-dir fallback,
    /// because anyone can create directories under a shared temp dir.
    /// </summary>
    public string? PrivateBaseDir => Source == RuntimeDirSource.PrivateTempFallback ? RuntimeDir : null;
}
