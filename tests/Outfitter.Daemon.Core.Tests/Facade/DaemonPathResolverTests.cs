using LanguageExt;
using Outfitter.Daemon.Core.Paths;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Testing;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>The path resolver over fakes: the private temp-dir fallback is created, checked and tightened.</summary>
public sealed class DaemonPathResolverTests
{
    private const uint Uid = 1000;
    private const string Fallback = "/tmp/outfitter-1000";
    private readonly FakeOs _os = new() { UserId = Uid };
    private readonly FakeOs.ProcessView _process;

    public DaemonPathResolverTests() => _process = _os.Start(42);

    private static RuntimeFacts LinuxFacts(bool runUserExists = false, string? xdg = null) =>
        new(OsFamily.Linux, Optional(xdg), None, None, "/tmp/", Uid, runUserExists);

    private DaemonPathResolver Resolver(RuntimeFacts facts) => new(new FixedRuntime(facts), _process);

    [Fact]
    public void Without_run_user_the_fallback_directory_is_created_private()
    {
        var paths = Resolver(LinuxFacts()).Resolve("waymark").Match(p => p, e => throw new Xunit.Sdk.XunitException(e.Message));

        Assert.Equal($"{Fallback}/waymark/daemon.sock", paths.SocketPath);
        Assert.Equal(RuntimeDirSource.PrivateTempFallback, paths.Source);
        Assert.Equal(new FakeDirectory(Uid, PrivateDirectory.OwnerOnlyMode), _os.GetDirectory(Fallback));
    }

    [Fact]
    public void A_fallback_directory_of_ours_with_loose_permissions_is_tightened()
    {
        _os.PutDirectory(Fallback, new FakeDirectory(Uid, 0b111_101_101));

        Assert.True(Resolver(LinuxFacts()).Resolve("waymark").IsSuccess);

        Assert.Equal(PrivateDirectory.OwnerOnlyMode, _os.GetDirectory(Fallback)?.Mode);
    }

    [Fact]
    public void A_fallback_directory_planted_by_another_user_is_refused_with_a_clear_error()
    {
        _os.PutDirectory(Fallback, new FakeDirectory(0, PrivateDirectory.OwnerOnlyMode));

        var error = Resolver(LinuxFacts()).Resolve("waymark").Match(_ => throw new Xunit.Sdk.XunitException("expected refusal"), e => e);

        Assert.Equal(PathErrorCode.UnsafeDirectory, error.Code);
        Assert.Contains("owned by uid 0", error.Message, StringComparison.Ordinal);
        Assert.Contains(Fallback, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_user_and_xdg_need_no_directory_preparation()
    {
        Assert.Equal("/run/user/1000/t/daemon.lock", Resolver(LinuxFacts(runUserExists: true)).Resolve("t").Map(p => p.LockPath));
        Assert.Equal("/xdg/t/daemon.pid", Resolver(LinuxFacts(xdg: "/xdg")).Resolve("t").Map(p => p.PidPath));
        Assert.False(_os.DirectoryExists(Fallback));
    }

    [Fact]
    public void An_invalid_tool_name_is_an_error_value_and_the_string_facade_throws()
    {
        var error = Resolver(LinuxFacts(runUserExists: true)).Resolve("../etc");

        Assert.Equal(PathErrorCode.InvalidToolName, error.Match(_ => PathErrorCode.Io, e => e.Code));
        var thrown = Assert.Throws<ArgumentException>(() => DaemonPaths.GetSocketPath("a/b"));
        Assert.Contains("path separator", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_static_facade_resolves_the_real_environment_like_the_reference()
    {
        Assert.True(DaemonPaths.IsUnixPlatform());
        var dir = DaemonPaths.GetDaemonDir("outfitter-facade-test");
        Assert.Equal(dir + "/daemon.sock", DaemonPaths.GetSocketPath("outfitter-facade-test"));
        Assert.Equal(dir + "/daemon.lock", DaemonPaths.GetLockPath("outfitter-facade-test"));
        Assert.Equal(dir + "/daemon.pid", DaemonPaths.GetPidPath("outfitter-facade-test"));
        Assert.EndsWith("/outfitter-facade-test", dir, StringComparison.Ordinal);
    }

    /// <summary>A runtime that reports the given facts as they are (these tests vary the facts themselves).</summary>
    private sealed class FixedRuntime(RuntimeFacts facts) : IRuntimeEnvironment
    {
        public RuntimeFacts Observe() => facts;
    }
}
