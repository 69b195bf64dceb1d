using LanguageExt;

namespace Outfitter.Daemon.Core.Paths;

/// <summary>
/// Resolves daemon file locations from <see cref="RuntimeFacts"/>: a pure function, the same answer as the reference
/// package's <c>getSocketPath</c>/<c>getLockPath</c>/<c>getPidPath</c>/<c>getDaemonDir</c>, plus two safety rules
/// (validated tool names, and a private temp-dir fallback when <c>/run/user/&lt;uid&gt;</c> is missing).
/// </summary>
internal static class PathResolver
{
    /// <summary>The socket file name under the daemon directory.</summary>
    public const string SocketFileName = "daemon.sock";

    /// <summary>The lock file name under the daemon directory.</summary>
    public const string LockFileName = "daemon.lock";

    /// <summary>The PID file name under the daemon directory.</summary>
    public const string PidFileName = "daemon.pid";

    /// <summary>Name of the per-user fallback directory under the temp dir.</summary>
    public static string FallbackDirectoryName(uint uid) => $"outfitter-{uid}";

    /// <summary>Validates <paramref name="tool"/> and resolves its paths.</summary>
    public static Either<PathError, DaemonPathSet> Resolve(RuntimeFacts facts, string? tool) =>
        ToolName.Parse(tool).Map(name => Resolve(facts, name));

    /// <summary>Resolves the paths of an already validated tool name.</summary>
    public static DaemonPathSet Resolve(RuntimeFacts facts, ToolName tool)
    {
        if (facts.Os == OsFamily.Windows)
        {
            // The reference keeps Windows files flat in the temp dir and ignores XDG there.
            var temp = TrimWindows(NonEmpty(facts.TempVariable).IfNone(facts.SystemTempDir));
            return new DaemonPathSet(
                tool,
                facts.Os,
                temp,
                RuntimeDirSource.WindowsTemp,
                DaemonDir: temp,
                SocketPath: $@"\\.\pipe\{tool.Value}-daemon",
                LockPath: JoinWindows(temp, $"{tool.Value}-daemon.lock"),
                PidPath: JoinWindows(temp, $"{tool.Value}-daemon.pid"));
        }

        var (rawRuntimeDir, source) = UnixRuntimeDir(facts);
        var runtimeDir = TrimUnix(rawRuntimeDir);
        var daemonDir = JoinUnix(runtimeDir, tool.Value);
        return new DaemonPathSet(
            tool,
            facts.Os,
            runtimeDir,
            source,
            daemonDir,
            SocketPath: JoinUnix(daemonDir, SocketFileName),
            LockPath: JoinUnix(daemonDir, LockFileName),
            PidPath: JoinUnix(daemonDir, PidFileName));
    }

    private static (string Dir, RuntimeDirSource Source) UnixRuntimeDir(RuntimeFacts facts)
    {
        // XDG says a relative value is invalid and must be ignored; an empty one counts as unset (as in the reference).
        var xdg = NonEmpty(facts.XdgRuntimeDir).Filter(IsAbsoluteUnix);
        if (xdg.IsSome)
            return ((string)xdg, RuntimeDirSource.XdgRuntimeDir);

        var fallback = (JoinUnix(facts.SystemTempDir, FallbackDirectoryName(facts.UserId)), RuntimeDirSource.PrivateTempFallback);
        return facts.Os switch
        {
            OsFamily.Linux when facts.RunUserDirExists => ($"/run/user/{facts.UserId}", RuntimeDirSource.RunUser),
            OsFamily.Linux => fallback,
            OsFamily.MacOS => (NonEmpty(facts.TmpDirVariable).Filter(IsAbsoluteUnix).IfNone(facts.SystemTempDir), RuntimeDirSource.MacTmpDir),
            OsFamily.OtherUnix => fallback,
            OsFamily.Windows => throw new InvalidOperationException("Windows is resolved before this point."),
            _ => throw new ArgumentOutOfRangeException(nameof(facts), facts.Os, "Unknown OS family."),
        };
    }

    private static Option<string> NonEmpty(Option<string> value) => value.Filter(v => v.Length > 0);

    private static bool IsAbsoluteUnix(string path) => path.StartsWith('/');

    private static string TrimUnix(string dir) => dir.Length > 1 ? dir.TrimEnd('/') is { Length: > 0 } t ? t : "/" : dir;

    private static string TrimWindows(string dir) =>
        dir.TrimEnd('\\', '/') is var t && (t.Length == 0 || t.EndsWith(':')) ? t + "\\" : t;

    /// <summary>Joins two Unix path parts with exactly one separator, as Node's <c>path.join</c> does for these inputs.</summary>
    public static string JoinUnix(string dir, string name)
    {
        var trimmed = dir.TrimEnd('/');
        return trimmed.Length == 0 && dir.StartsWith('/') ? "/" + name : trimmed + "/" + name;
    }

    /// <summary>Joins two Windows path parts with exactly one backslash.</summary>
    public static string JoinWindows(string dir, string name) => dir.TrimEnd('\\', '/') + "\\" + name;
}
