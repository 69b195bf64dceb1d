using Outfitter.Daemon.Core.Paths;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Testing;

/// <summary>
/// A runtime environment that reports what its properties say; change them to simulate another machine. The default is
/// Linux, uid 1000, no <c>$XDG_RUNTIME_DIR</c>, <c>/tmp</c> as the system temp directory and no <c>/run/user/&lt;uid&gt;</c>.
/// It implements <see cref="IRuntimeEnvironment"/> explicitly. Not thread-safe for writes while the code under test reads.
/// </summary>
public sealed class FakeRuntimeEnvironment : IRuntimeEnvironment
{
    /// <summary>The operating-system family.</summary>
    public OsFamily Os { get; set; } = OsFamily.Linux;

    /// <summary><c>$XDG_RUNTIME_DIR</c>, or null when unset.</summary>
    public string? XdgRuntimeDir { get; set; }

    /// <summary><c>$TMPDIR</c>, or null when unset.</summary>
    public string? TmpDirVariable { get; set; }

    /// <summary><c>%TEMP%</c>, or null when unset.</summary>
    public string? TempVariable { get; set; }

    /// <summary>The system's temp directory (<c>/tmp</c> on Unix).</summary>
    public string SystemTempDir { get; set; } = "/tmp";

    /// <summary>The uid the process runs as.</summary>
    public uint UserId { get; set; } = 1000;

    /// <summary>Whether <c>/run/user/&lt;uid&gt;</c> exists.</summary>
    public bool RunUserDirExists { get; set; }

    /// <inheritdoc />
    RuntimeFacts IRuntimeEnvironment.Observe() =>
        new(Os, Optional(XdgRuntimeDir), Optional(TmpDirVariable), Optional(TempVariable), SystemTempDir, UserId, RunUserDirExists);
}
