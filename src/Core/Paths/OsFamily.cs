// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

/// <summary>The operating-system family whose conventions decide where daemon files live.</summary>
public enum OsFamily
{
    /// <summary>Linux: <c>$XDG_RUNTIME_DIR</c>, else <c>/run/user/&lt;uid&gt;</c>, else a private directory under the temp dir.</summary>
    Linux,

    /// <summary>macOS: <c>$XDG_RUNTIME_DIR</c>, else <c>$TMPDIR</c> (already per-user there).</summary>
    MacOS,

    /// <summary>Windows: named pipes, lock and PID files directly under <c>%TEMP%</c>.</summary>
    Windows,

    /// <summary>Another Unix (FreeBSD, …): like Linux without <c>/run/user</c>.</summary>
    OtherUnix,
}

/// <summary>Pure helpers over <see cref="OsFamily"/>.</summary>
public static class OsFamilyExtensions
{
    /// <summary>
    /// True where IPC uses Unix domain sockets. The reference says "macOS or Linux"; other Unix systems
    /// also have Unix sockets and no named pipes, so they count as Unix here.
    /// </summary>
    public static bool IsUnix(this OsFamily os) => os != OsFamily.Windows;
}
