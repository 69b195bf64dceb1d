using LanguageExt;
using Outfitter.Daemon.Adapters.Interop;
using Outfitter.Daemon.Core.Paths;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Adapters.Platform;

/// <summary>Reads the real platform, environment variables, user id and temp dir. Thread-safe.</summary>
internal sealed class OsRuntimeEnvironment : IRuntimeEnvironment
{
    /// <summary>The operating-system family of this process.</summary>
    public static OsFamily CurrentOs =>
        OperatingSystem.IsWindows() ? OsFamily.Windows
        : OperatingSystem.IsLinux() ? OsFamily.Linux
        : OperatingSystem.IsMacOS() ? OsFamily.MacOS
        : OsFamily.OtherUnix;

    /// <inheritdoc />
    public RuntimeFacts Observe()
    {
        var os = CurrentOs;
        var uid = OperatingSystem.IsWindows() ? 0u : Libc.getuid();
        return new RuntimeFacts(
            os,
            Variable("XDG_RUNTIME_DIR"),
            Variable("TMPDIR"),
            Variable("TEMP"),
            Path.GetTempPath(),
            uid,
            RunUserDirExists: os == OsFamily.Linux && Directory.Exists($"/run/user/{uid}"));
    }

    private static Option<string> Variable(string name) => Optional(Environment.GetEnvironmentVariable(name));
}
