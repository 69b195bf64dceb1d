using LanguageExt;

namespace Outfitter.Daemon.Core.Paths;

/// <summary>
/// Everything path resolution depends on, gathered by the shell so that <see cref="PathResolver"/> stays pure and every
/// platform's branch can be tested on any machine.
/// </summary>
/// <param name="Os">The operating-system family.</param>
/// <param name="XdgRuntimeDir">The value of <c>$XDG_RUNTIME_DIR</c>, when set.</param>
/// <param name="TmpDirVariable">The value of <c>$TMPDIR</c>, when set (used on macOS).</param>
/// <param name="TempVariable">The value of <c>%TEMP%</c>, when set (used on Windows).</param>
/// <param name="SystemTempDir">The operating system's temp directory, used when the variables above are absent.</param>
/// <param name="UserId">The real user id (0 on Windows).</param>
/// <param name="RunUserDirExists">Whether <c>/run/user/&lt;uid&gt;</c> exists (Linux only).</param>
public sealed record RuntimeFacts(
    OsFamily Os,
    Option<string> XdgRuntimeDir,
    Option<string> TmpDirVariable,
    Option<string> TempVariable,
    string SystemTempDir,
    uint UserId,
    bool RunUserDirExists);
