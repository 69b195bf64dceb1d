using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Outfitter.Daemon.Core.Paths;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Paths;

public sealed class PathResolverTests
{
    private const string WindowsTemp = @"C:\Users\me\AppData\Local\Temp";

    private static readonly ToolName Waymark = ToolName.Parse("waymark").RightToSeq().Head;

    private static RuntimeFacts Facts(
        OsFamily os,
        Option<string> xdg = default,
        Option<string> tmpdir = default,
        Option<string> temp = default,
        string systemTemp = "/tmp",
        uint uid = 1000,
        bool runUserExists = true) =>
        new(os, xdg, tmpdir, temp, systemTemp, uid, runUserExists);

    // Linux

    [Fact]
    public void Linux_without_xdg_uses_run_user_and_matches_the_reference_paths()
    {
        var paths = PathResolver.Resolve(Facts(OsFamily.Linux), Waymark);

        Assert.Equal("/run/user/1000/waymark/daemon.sock", paths.SocketPath);
        Assert.Equal("/run/user/1000/waymark/daemon.lock", paths.LockPath);
        Assert.Equal("/run/user/1000/waymark/daemon.pid", paths.PidPath);
        Assert.Equal("/run/user/1000/waymark", paths.DaemonDir);
        Assert.Equal("/run/user/1000", paths.RuntimeDir);
        Assert.Equal(RuntimeDirSource.RunUser, paths.Source);
        Assert.Equal(OsFamily.Linux, paths.Os);
        Assert.Equal(Waymark, paths.Tool);
        Assert.Null(paths.PrivateBaseDir);
    }

    [Fact]
    public void Linux_run_user_dir_carries_the_user_id()
    {
        var paths = PathResolver.Resolve(Facts(OsFamily.Linux, uid: 0), Waymark);

        Assert.Equal("/run/user/0/waymark/daemon.sock", paths.SocketPath);
    }

    [Fact]
    public void Linux_without_run_user_dir_falls_back_to_a_private_directory_under_temp()
    {
        var paths = PathResolver.Resolve(Facts(OsFamily.Linux, systemTemp: "/tmp", runUserExists: false), Waymark);

        Assert.Equal("/tmp/outfitter-1000", paths.RuntimeDir);
        Assert.Equal(RuntimeDirSource.PrivateTempFallback, paths.Source);
        Assert.Equal("/tmp/outfitter-1000/waymark", paths.DaemonDir);
        Assert.Equal("/tmp/outfitter-1000/waymark/daemon.sock", paths.SocketPath);
        Assert.Equal("/tmp/outfitter-1000/waymark/daemon.lock", paths.LockPath);
        Assert.Equal("/tmp/outfitter-1000/waymark/daemon.pid", paths.PidPath);
        Assert.Equal("/tmp/outfitter-1000", paths.PrivateBaseDir);
    }

    [Fact]
    public void Private_fallback_normalizes_a_trailing_separator_on_the_temp_dir()
    {
        var paths = PathResolver.Resolve(Facts(OsFamily.Linux, systemTemp: "/var/tmp/", runUserExists: false), Waymark);

        Assert.Equal("/var/tmp/outfitter-1000", paths.RuntimeDir);
        Assert.Equal("/var/tmp/outfitter-1000/waymark/daemon.sock", paths.SocketPath);
    }

    [Fact]
    public void Fallback_directory_name_is_outfitter_dash_uid()
    {
        Assert.Equal("outfitter-1000", PathResolver.FallbackDirectoryName(1000));
        Assert.Equal("outfitter-4294967295", PathResolver.FallbackDirectoryName(uint.MaxValue));
    }

    // XDG_RUNTIME_DIR on every Unix family

    [Theory]
    [InlineData(OsFamily.Linux)]
    [InlineData(OsFamily.MacOS)]
    [InlineData(OsFamily.OtherUnix)]
    public void An_absolute_xdg_runtime_dir_wins_on_every_unix(OsFamily os)
    {
        var facts = Facts(os, xdg: "/xdg/rt", tmpdir: "/var/folders/T", runUserExists: true);

        var paths = PathResolver.Resolve(facts, Waymark);

        Assert.Equal("/xdg/rt", paths.RuntimeDir);
        Assert.Equal(RuntimeDirSource.XdgRuntimeDir, paths.Source);
        Assert.Equal("/xdg/rt/waymark/daemon.sock", paths.SocketPath);
        Assert.Equal("/xdg/rt/waymark/daemon.lock", paths.LockPath);
        Assert.Equal("/xdg/rt/waymark/daemon.pid", paths.PidPath);
        Assert.Equal("/xdg/rt/waymark", paths.DaemonDir);
        Assert.Null(paths.PrivateBaseDir);
    }

    [Fact]
    public void A_trailing_separator_on_xdg_is_normalized()
    {
        var paths = PathResolver.Resolve(Facts(OsFamily.Linux, xdg: "/run/user/1000/"), Waymark);

        Assert.Equal("/run/user/1000/waymark/daemon.sock", paths.SocketPath);
        Assert.Equal("/run/user/1000/waymark/daemon.lock", paths.LockPath);
        Assert.Equal("/run/user/1000/waymark/daemon.pid", paths.PidPath);
        Assert.Equal("/run/user/1000/waymark", paths.DaemonDir);
    }

    [Fact]
    public void Repeated_trailing_separators_on_xdg_are_normalized()
    {
        var paths = PathResolver.Resolve(Facts(OsFamily.Linux, xdg: "/rt///"), Waymark);

        Assert.Equal("/rt/waymark/daemon.sock", paths.SocketPath);
    }

    [Fact]
    public void Xdg_at_the_file_system_root_gives_a_single_leading_separator()
    {
        var paths = PathResolver.Resolve(Facts(OsFamily.Linux, xdg: "/"), Waymark);

        Assert.Equal("/waymark", paths.DaemonDir);
        Assert.Equal("/waymark/daemon.sock", paths.SocketPath);
    }

    [Theory]
    [InlineData(OsFamily.Linux, "")]
    [InlineData(OsFamily.Linux, "relative/rt")]
    [InlineData(OsFamily.Linux, "./rt")]
    [InlineData(OsFamily.Linux, "~/rt")]
    [InlineData(OsFamily.OtherUnix, "")]
    [InlineData(OsFamily.OtherUnix, "relative/rt")]
    [InlineData(OsFamily.MacOS, "")]
    [InlineData(OsFamily.MacOS, "relative/rt")]
    public void An_empty_or_relative_xdg_is_ignored(OsFamily os, string xdg)
    {
        var withXdg = PathResolver.Resolve(Facts(os, xdg: xdg, tmpdir: "/var/folders/T"), Waymark);
        var withoutXdg = PathResolver.Resolve(Facts(os, tmpdir: "/var/folders/T"), Waymark);

        Assert.NotEqual(RuntimeDirSource.XdgRuntimeDir, withXdg.Source);
        Assert.Equal(withoutXdg, withXdg);
    }

    // macOS

    [Fact]
    public void MacOS_without_xdg_uses_tmpdir()
    {
        var paths = PathResolver.Resolve(Facts(OsFamily.MacOS, tmpdir: "/var/folders/ab/cd/T/"), Waymark);

        Assert.Equal("/var/folders/ab/cd/T", paths.RuntimeDir); // trailing separator normalized
        Assert.Equal(RuntimeDirSource.MacTmpDir, paths.Source);
        Assert.Equal("/var/folders/ab/cd/T/waymark", paths.DaemonDir);
        Assert.Equal("/var/folders/ab/cd/T/waymark/daemon.sock", paths.SocketPath);
        Assert.Equal("/var/folders/ab/cd/T/waymark/daemon.lock", paths.LockPath);
        Assert.Equal("/var/folders/ab/cd/T/waymark/daemon.pid", paths.PidPath);
        Assert.Null(paths.PrivateBaseDir);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("relative/T")]
    public void MacOS_with_tmpdir_unset_empty_or_relative_uses_the_system_temp_dir(string? tmpdir)
    {
        var facts = Facts(OsFamily.MacOS, tmpdir: Optional(tmpdir), systemTemp: "/private/tmp");

        var paths = PathResolver.Resolve(facts, Waymark);

        Assert.Equal("/private/tmp", paths.RuntimeDir);
        Assert.Equal(RuntimeDirSource.MacTmpDir, paths.Source);
        Assert.Equal("/private/tmp/waymark/daemon.sock", paths.SocketPath);
    }

    [Fact]
    public void MacOS_ignores_the_run_user_directory()
    {
        var paths = PathResolver.Resolve(Facts(OsFamily.MacOS, tmpdir: "/var/folders/T", runUserExists: true), Waymark);

        Assert.Equal(RuntimeDirSource.MacTmpDir, paths.Source);
        Assert.DoesNotContain("/run/user", paths.SocketPath, StringComparison.Ordinal);
    }

    // Other Unix

    [Fact]
    public void Other_unix_without_xdg_uses_the_private_temp_fallback_even_when_run_user_exists()
    {
        var paths = PathResolver.Resolve(Facts(OsFamily.OtherUnix, systemTemp: "/tmp", uid: 1001, runUserExists: true), Waymark);

        Assert.Equal(RuntimeDirSource.PrivateTempFallback, paths.Source);
        Assert.Equal("/tmp/outfitter-1001/waymark/daemon.sock", paths.SocketPath);
        Assert.Equal("/tmp/outfitter-1001", paths.PrivateBaseDir);
    }

    // Windows

    [Fact]
    public void Windows_uses_a_named_pipe_and_flat_files_in_temp()
    {
        var paths = PathResolver.Resolve(Facts(OsFamily.Windows, temp: WindowsTemp, systemTemp: @"C:\Windows\Temp", uid: 0), Waymark);

        Assert.Equal(@"\\.\pipe\waymark-daemon", paths.SocketPath);
        Assert.Equal(@"C:\Users\me\AppData\Local\Temp\waymark-daemon.lock", paths.LockPath);
        Assert.Equal(@"C:\Users\me\AppData\Local\Temp\waymark-daemon.pid", paths.PidPath);
        Assert.Equal(WindowsTemp, paths.DaemonDir);
        Assert.Equal(WindowsTemp, paths.RuntimeDir);
        Assert.Equal(RuntimeDirSource.WindowsTemp, paths.Source);
        Assert.Equal(OsFamily.Windows, paths.Os);
        Assert.Null(paths.PrivateBaseDir);
    }

    [Fact]
    public void Windows_ignores_xdg_runtime_dir_and_tmpdir()
    {
        var withVariables = PathResolver.Resolve(Facts(OsFamily.Windows, xdg: "/run/user/1000", tmpdir: "/tmp", temp: WindowsTemp), Waymark);
        var withoutVariables = PathResolver.Resolve(Facts(OsFamily.Windows, temp: WindowsTemp), Waymark);

        Assert.Equal(withoutVariables, withVariables);
        Assert.Equal(RuntimeDirSource.WindowsTemp, withVariables.Source);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Windows_with_temp_unset_or_empty_uses_the_system_temp_dir(string? temp)
    {
        var paths = PathResolver.Resolve(Facts(OsFamily.Windows, temp: Optional(temp), systemTemp: @"C:\Windows\Temp"), Waymark);

        Assert.Equal(@"C:\Windows\Temp", paths.DaemonDir);
        Assert.Equal(@"C:\Windows\Temp\waymark-daemon.lock", paths.LockPath);
        Assert.Equal(@"C:\Windows\Temp\waymark-daemon.pid", paths.PidPath);
        Assert.Equal(@"\\.\pipe\waymark-daemon", paths.SocketPath);
    }

    [Fact]
    public void Windows_normalizes_a_trailing_backslash_on_temp()
    {
        var paths = PathResolver.Resolve(Facts(OsFamily.Windows, temp: @"C:\Temp\"), Waymark);

        Assert.Equal(@"C:\Temp", paths.DaemonDir);
        Assert.Equal(@"C:\Temp", paths.RuntimeDir);
        Assert.Equal(@"C:\", PathResolver.Resolve(Facts(OsFamily.Windows, temp: @"C:\"), Waymark).DaemonDir);

        Assert.Equal(@"C:\Temp\waymark-daemon.lock", paths.LockPath);
        Assert.Equal(@"C:\Temp\waymark-daemon.pid", paths.PidPath);
    }

    // Resolving from an unvalidated name

    [Fact]
    public void Resolving_from_a_valid_string_gives_the_same_paths_as_from_a_tool_name()
    {
        var facts = Facts(OsFamily.Linux);

        var resolved = PathResolver.Resolve(facts, "waymark");

        Assert.Equal(Right<PathError, DaemonPathSet>(PathResolver.Resolve(facts, Waymark)), resolved);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("../etc")]
    [InlineData(@"..\etc")]
    public void Resolving_from_an_invalid_string_fails_with_invalid_tool_name(string? tool)
    {
        var resolved = PathResolver.Resolve(Facts(OsFamily.Linux), tool);

        var error = Assert.Single(resolved.LeftToSeq());
        Assert.Equal(PathErrorCode.InvalidToolName, error.Code);
    }

    // Joining

    [Theory]
    [InlineData("/a", "b", "/a/b")]
    [InlineData("/a/", "b", "/a/b")]
    [InlineData("/a//", "b", "/a/b")]
    [InlineData("/", "b", "/b")]
    [InlineData("//", "b", "/b")]
    public void JoinUnix_puts_exactly_one_separator_between_the_parts(string dir, string name, string expected) =>
        Assert.Equal(expected, PathResolver.JoinUnix(dir, name));

    [Theory]
    [InlineData(@"C:\t", "x", @"C:\t\x")]
    [InlineData(@"C:\t\", "x", @"C:\t\x")]
    [InlineData(@"C:\t/", "x", @"C:\t\x")]
    public void JoinWindows_puts_exactly_one_backslash_between_the_parts(string dir, string name, string expected) =>
        Assert.Equal(expected, PathResolver.JoinWindows(dir, name));

    // Properties

    [Property]
    public Property Unix_paths_always_stay_inside_the_tools_directory_under_the_runtime_dir() =>
        Prop.ForAll(
            Arb.From(Generators.UnixFacts.Zip(Generators.ValidToolName)),
            pair =>
            {
                var (facts, tool) = pair;
                var paths = PathResolver.Resolve(facts, tool);
                var prefix = paths.RuntimeDir.TrimEnd('/') + "/" + tool.Value + "/";

                Assert.Equal(prefix + "daemon.sock", paths.SocketPath);
                Assert.Equal(prefix + "daemon.lock", paths.LockPath);
                Assert.Equal(prefix + "daemon.pid", paths.PidPath);
                Assert.Equal(prefix, paths.DaemonDir + "/");
                Assert.StartsWith("/", paths.RuntimeDir, StringComparison.Ordinal);
            });

    [Property]
    public Property Unix_runtime_dir_comes_from_the_first_usable_source() =>
        Prop.ForAll(
            Arb.From(Generators.UnixFacts),
            facts =>
            {
                var paths = PathResolver.Resolve(facts, Waymark);
                var fallback = facts.SystemTempDir.TrimEnd('/') + "/outfitter-" + facts.UserId;
                var absoluteXdg = facts.XdgRuntimeDir.Filter(x => x.StartsWith('/'));
                var (expectedDir, expectedSource) = absoluteXdg.Match(
                    Some: x => (x, RuntimeDirSource.XdgRuntimeDir),
                    None: () => facts.Os switch
                    {
                        OsFamily.Linux when facts.RunUserDirExists => ($"/run/user/{facts.UserId}", RuntimeDirSource.RunUser),
                        OsFamily.MacOS => (facts.TmpDirVariable.Filter(t => t.StartsWith('/')).IfNone(facts.SystemTempDir), RuntimeDirSource.MacTmpDir),
                        _ => (fallback, RuntimeDirSource.PrivateTempFallback),
                    });

                Assert.Equal(expectedSource, paths.Source);
                Assert.Equal(expectedDir.Length > 1 ? expectedDir.TrimEnd('/') is { Length: > 0 } t ? t : "/" : expectedDir, paths.RuntimeDir);
                Assert.Equal(
                    expectedSource == RuntimeDirSource.PrivateTempFallback ? fallback : null,
                    paths.PrivateBaseDir);
            });

    [Property]
    public Property Windows_paths_are_flat_in_temp_and_the_pipe_is_named_after_the_tool() =>
        Prop.ForAll(
            Arb.From(Generators.WindowsFacts.Zip(Generators.ValidToolName)),
            pair =>
            {
                var (facts, tool) = pair;
                var paths = PathResolver.Resolve(facts, tool);
                var temp = facts.TempVariable.Filter(t => t.Length > 0).IfNone(facts.SystemTempDir);
                var prefix = temp.TrimEnd('\\', '/') + "\\" + tool.Value;

                Assert.Equal(@"\\.\pipe\" + tool.Value + "-daemon", paths.SocketPath);
                Assert.Equal(prefix + "-daemon.lock", paths.LockPath);
                Assert.Equal(prefix + "-daemon.pid", paths.PidPath);
                Assert.Equal(temp.TrimEnd('\\', '/') is var t && (t.Length == 0 || t.EndsWith(':')) ? t + "\\" : t, paths.DaemonDir);
                Assert.Equal(RuntimeDirSource.WindowsTemp, paths.Source);
                Assert.Null(paths.PrivateBaseDir);
            });
}
