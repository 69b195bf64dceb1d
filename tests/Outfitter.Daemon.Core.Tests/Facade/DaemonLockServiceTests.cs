using LanguageExt;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Testing;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>The lock use cases over the test kit's in-memory OS: the sandwich wiring, without real files.</summary>
public sealed class DaemonLockServiceTests
{
    private const string LockPath = "/run/user/1000/tool/daemon.lock";
    private readonly FakeOs _os = new();

    private static DaemonLockService ServiceFor(FakeOs.ProcessView process) => new(process, process, process);

    [Fact]
    public void Acquire_creates_the_parent_directory_and_writes_pid_and_start_time()
    {
        var process = _os.Start(100);

        using var handle = Right(ServiceFor(process).Acquire(LockPath));

        Assert.True(_os.DirectoryExists("/run/user/1000/tool"));
        Assert.Equal(LockFileContent.Format(process.Current), _os.ReadFile(LockPath));
        Assert.Equal(100, handle.Pid);
    }

    [Fact]
    public void A_live_owner_refuses_others_with_its_pid_and_release_lets_them_in()
    {
        var owner = _os.Start(100);
        var other = _os.Start(200);
        var handle = Right(ServiceFor(owner).Acquire(LockPath));

        var refused = Left(ServiceFor(other).Acquire(LockPath));
        Assert.Equal(LockErrorCode.AlreadyLocked, refused.Code);
        Assert.Equal((int?)(100), refused.Pid);
        Assert.True(ServiceFor(other).IsDaemonAlive(LockPath));

        Right(ServiceFor(owner).Release(handle));
        Assert.True(_os.ReadFile(LockPath) is null);
        Assert.False(ServiceFor(other).IsDaemonAlive(LockPath));
        using var next = Right(ServiceFor(other).Acquire(LockPath));
        Assert.IsType<LockDecision.Acquire>(next.Decision);
    }

    [Fact]
    public void A_crashed_owner_is_reclaimed_as_dead()
    {
        var owner = _os.Start(100);
        Right(ServiceFor(owner).Acquire(LockPath));
        _os.Crash(100);
        var next = _os.Start(200);

        Assert.False(ServiceFor(next).IsDaemonAlive(LockPath));
        using var handle = Right(ServiceFor(next).Acquire(LockPath));

        Assert.Equal(new LockDecision.ReclaimStale(100, StaleReason.OwnerDead), handle.Decision);
    }

    [Fact]
    public void A_reused_pid_is_reclaimed_and_a_restarted_process_reclaims_its_own_leftover()
    {
        var owner = _os.Start(100);
        Right(ServiceFor(owner).Acquire(LockPath));
        _os.Crash(100);
        var reincarnation = _os.Start(100);
        var other = _os.Start(200);

        Assert.False(ServiceFor(other).IsDaemonAlive(LockPath));
        using (var handle = Right(ServiceFor(other).Acquire(LockPath)))
            Assert.Equal(new LockDecision.ReclaimStale(100, StaleReason.PidReused), handle.Decision);

        _os.WriteFile(LockPath, LockFileContent.Format(owner.Current));
        using var own = Right(ServiceFor(reincarnation).Acquire(LockPath));
        Assert.Equal(new LockDecision.ReclaimStale(100, StaleReason.OwnLeftover), own.Decision);
    }

    [Fact]
    public void A_reference_format_file_naming_a_live_process_is_honoured_and_a_dead_one_reclaimed()
    {
        _os.Start(300);
        var process = _os.Start(100);
        _os.WriteFile(LockPath, "300\n");

        Assert.Equal((int?)(300), Left(ServiceFor(process).Acquire(LockPath)).Pid);
        Assert.True(ServiceFor(process).IsDaemonAlive(LockPath));

        _os.Crash(300);
        using var handle = Right(ServiceFor(process).Acquire(LockPath));
        Assert.Equal(new LockDecision.ReclaimStale(300, StaleReason.OwnerDead), handle.Decision);
    }

    [Fact]
    public void While_the_new_owner_has_not_written_yet_a_dead_pid_in_the_file_is_not_reported_as_the_owner()
    {
        var owner = _os.Start(100);
        var other = _os.Start(200);
        using var handle = Right(ServiceFor(owner).Acquire(LockPath));
        _os.WriteFile(LockPath, "999\n");

        var refused = Left(ServiceFor(other).Acquire(LockPath));

        Assert.Equal((int?)null, refused.Pid);
        Assert.Contains("has not written its PID yet", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Release_keeps_a_file_that_no_longer_names_us_and_is_idempotent()
    {
        var owner = _os.Start(100);
        var service = ServiceFor(owner);
        var handle = Right(service.Acquire(LockPath));
        _os.WriteFile(LockPath, "garbage");

        Right(service.Release(handle));
        Right(service.Release(handle));
        handle.Dispose();

        Assert.Equal("garbage", _os.ReadFile(LockPath));
        Assert.True(handle.IsReleased);
    }

    [Fact]
    public void A_failed_write_gives_an_io_error_and_leaves_the_lock_free()
    {
        var owner = _os.Start(100);
        owner.FailWrites = "disk full";

        var error = Left(ServiceFor(owner).Acquire(LockPath));

        Assert.Equal(LockErrorCode.Io, error.Code);
        Assert.Contains("disk full", error.Message, StringComparison.Ordinal);
        owner.FailWrites = null;
        using var handle = Right(ServiceFor(owner).Acquire(LockPath));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("a\0b")]
    public void An_empty_or_nul_path_is_an_invalid_path_error(string path)
    {
        var error = Left(ServiceFor(_os.Start(100)).Acquire(path));

        Assert.Equal(LockErrorCode.InvalidPath, error.Code);
    }

    [Fact]
    public void Read_lock_pid_and_is_process_alive_answer_from_the_ports()
    {
        var process = _os.Start(100);
        _os.Start(300);
        var service = ServiceFor(process);

        Assert.Equal((int?)null, service.ReadLockPid(LockPath));
        _os.WriteFile(LockPath, " 300 \n");
        Assert.Equal((int?)(300), service.ReadLockPid(LockPath));
        Assert.True(service.IsProcessAlive(300));
        Assert.False(service.IsProcessAlive(301));
        Assert.False(service.IsProcessAlive(0));
        Assert.False(service.IsProcessAlive(-7));
    }

    internal static T Right<T>(Result<T, LockError> result) =>
        result.Match(v => v, e => throw new Xunit.Sdk.XunitException($"Expected success, got: {e.Message}"));

    internal static LockError Left<T>(Result<T, LockError> result) =>
        result.Match(v => throw new Xunit.Sdk.XunitException($"Expected an error, got {v}"), e => e);

    internal static T Right<T>(Either<LockError, T> result) =>
        result.Match(v => v, e => throw new Xunit.Sdk.XunitException($"Expected success, got: {e.Message}"));

    internal static LockError Left<T>(Either<LockError, T> result) =>
        result.Match(v => throw new Xunit.Sdk.XunitException($"Expected an error, got {v}"), e => e);
}
