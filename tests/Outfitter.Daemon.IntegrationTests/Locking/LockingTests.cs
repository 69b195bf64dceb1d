using System.Diagnostics;
using System.Globalization;
using LanguageExt;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Locking;

/// <summary>Locking against the real OS: real files, real kernel locks, real child processes.</summary>
public sealed class LockingTests : IDisposable
{
    private const int SurelyDeadPid = int.MaxValue - 1;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Acquire_creates_private_parents_and_writes_pid_and_start_time()
    {
        var lockPath = _dir.Combine("a", "b", "daemon.lock");

        using var handle = Right(await DaemonLock.AcquireAsync(lockPath));

        Assert.Equal(Environment.ProcessId, handle.Pid);
        Assert.Equal(lockPath, handle.LockPath);
        var lines = File.ReadAllText(lockPath).Split('\n');
        Assert.Equal(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), lines[0]);
        Assert.Equal(ProcStartTime(Environment.ProcessId), lines[1]);
        Assert.Equal("", lines[2]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(lockPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir.Combine("a")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir.Combine("a", "b")));
        Assert.IsType<LockAcquisition.Fresh>(handle.Acquisition);
    }

    [Fact]
    public async Task A_second_acquire_in_the_same_process_is_refused_with_our_pid()
    {
        var lockPath = _dir.Combine("daemon.lock");
        using var first = Right(await DaemonLock.AcquireAsync(lockPath));

        var error = Left(await DaemonLock.AcquireAsync(lockPath));

        Assert.Equal(LockErrorCode.AlreadyLocked, error.Code);
        Assert.Equal((int?)(Environment.ProcessId), error.Pid);
        Assert.Equal(lockPath, error.LockPath);
        Assert.Contains(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_held_lock_file_is_readable_with_ordinary_file_apis_from_another_process()
    {
        var lockPath = _dir.Combine("daemon.lock");
        using var owner = ChildProcess.StartDotnet(Artifacts.TestHelperDll, "hold", lockPath);
        Assert.Equal($"ACQUIRED {owner.Pid}", await owner.NextLineAsync());

        // This test process is the "other process": plain .NET reads must work while the owner holds the kernel lock.
        Assert.StartsWith($"{owner.Pid}\n", File.ReadAllText(lockPath), StringComparison.Ordinal);
        Assert.Equal(owner.Pid, int.Parse(File.ReadAllLines(lockPath)[0], CultureInfo.InvariantCulture));
        Assert.Equal((int?)owner.Pid, await DaemonLock.ReadLockPidAsync(lockPath));
        Assert.True(await DaemonLock.IsDaemonAliveAsync(lockPath));
        var refused = Left(await DaemonLock.AcquireAsync(lockPath));
        Assert.Equal((int?)(owner.Pid), refused.Pid);

        owner.Send("release");
        Assert.Equal("RELEASED", await owner.NextLineAsync());
        Assert.Equal(0, await owner.WaitForExitAsync());
        Assert.False(File.Exists(lockPath));
        Assert.False(await DaemonLock.IsDaemonAliveAsync(lockPath));
    }

    [Fact]
    public async Task An_owner_killed_with_sigkill_does_not_block_the_next_acquire()
    {
        var lockPath = _dir.Combine("daemon.lock");
        using var owner = ChildProcess.StartDotnet(Artifacts.TestHelperDll, "hold", lockPath);
        Assert.Equal($"ACQUIRED {owner.Pid}", await owner.NextLineAsync());
        var ownerPid = owner.Pid;

        await owner.KillAsync();

        Assert.True(File.Exists(lockPath), "SIGKILL leaves the file behind; the kernel lock is what died.");
        Assert.False(await DaemonLock.IsDaemonAliveAsync(lockPath));
        using var handle = Right(await DaemonLock.AcquireAsync(lockPath));
        Assert.Equal(new LockAcquisition.ReclaimedStale(ownerPid, StaleReason.OwnerDead), handle.Acquisition);
        Assert.Equal((int?)Environment.ProcessId, await DaemonLock.ReadLockPidAsync(lockPath));
    }

    [Fact]
    public async Task A_file_naming_a_live_unrelated_pid_with_a_different_start_time_is_reclaimed()
    {
        using var unrelated = ChildProcess.Start("sleep", "120");
        var lockPath = _dir.Combine("daemon.lock");
        var realStart = ulong.Parse(ProcStartTime(unrelated.Pid), CultureInfo.InvariantCulture);
        File.WriteAllText(lockPath, $"{unrelated.Pid}\n{realStart + 12345}\n");

        Assert.False(await DaemonLock.IsDaemonAliveAsync(lockPath));
        using var handle = Right(await DaemonLock.AcquireAsync(lockPath));

        Assert.Equal(new LockAcquisition.ReclaimedStale(unrelated.Pid, StaleReason.PidReused), handle.Acquisition);
        Assert.False(unrelated.Process.HasExited, "Reclaiming must not touch the unrelated process.");
    }

    [Fact]
    public async Task A_file_naming_a_live_pid_with_its_real_start_time_but_no_kernel_lock_is_honoured()
    {
        using var live = ChildProcess.Start("sleep", "120");
        var lockPath = _dir.Combine("daemon.lock");
        File.WriteAllText(lockPath, $"{live.Pid}\n{ProcStartTime(live.Pid)}\n");

        var error = Left(await DaemonLock.AcquireAsync(lockPath));

        Assert.Equal(LockErrorCode.AlreadyLocked, error.Code);
        Assert.Equal((int?)(live.Pid), error.Pid);
        Assert.True(await DaemonLock.IsDaemonAliveAsync(lockPath));
    }

    [Fact]
    public async Task A_typescript_format_file_naming_a_live_pid_is_respected()
    {
        using var live = ChildProcess.Start("sleep", "120");
        var lockPath = _dir.Combine("daemon.lock");
        File.WriteAllText(lockPath, $"{live.Pid}\n");

        var error = Left(await DaemonLock.AcquireAsync(lockPath));

        Assert.Equal((int?)(live.Pid), error.Pid);
        Assert.True(await DaemonLock.IsDaemonAliveAsync(lockPath));
        Assert.Equal($"{live.Pid}\n", File.ReadAllText(lockPath));
    }

    [Theory]
    [InlineData("2147483646\n", "dead owner, reference format")]
    [InlineData("", "empty file")]
    [InlineData("   \n\n", "whitespace only")]
    [InlineData("not a pid\n", "garbage")]
    [InlineData("\u0000\u0001\u00ff binary", "binary garbage")]
    public async Task Dead_empty_or_garbage_files_are_reclaimed(string content, string why)
    {
        var lockPath = _dir.Combine("daemon.lock");
        File.WriteAllText(lockPath, content);

        var result = await DaemonLock.AcquireAsync(lockPath);

        using var handle = Assert.IsType<LockHandle>(result.Match(h => (object)h, e => e), exactMatch: true);
        Assert.True(handle.Pid == Environment.ProcessId, why);
        Assert.StartsWith($"{Environment.ProcessId}\n", File.ReadAllText(lockPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Release_removes_the_file_only_while_it_names_our_pid()
    {
        var lockPath = _dir.Combine("daemon.lock");
        var handle = Right(await DaemonLock.AcquireAsync(lockPath));
        File.WriteAllText(lockPath, $"{SurelyDeadPid}\n");

        Right(await DaemonLock.ReleaseAsync(handle));

        Assert.Equal($"{SurelyDeadPid}\n", File.ReadAllText(lockPath));
        Assert.True(handle.IsReleased);
    }

    [Fact]
    public async Task Release_removes_our_file_tolerates_a_missing_one_and_is_idempotent()
    {
        var lockPath = _dir.Combine("daemon.lock");
        var handle = Right(await DaemonLock.AcquireAsync(lockPath));
        Right(await DaemonLock.ReleaseAsync(handle));
        Assert.False(File.Exists(lockPath));
        Right(await DaemonLock.ReleaseAsync(handle));

        var second = Right(await DaemonLock.AcquireAsync(lockPath));
        File.Delete(lockPath);
        Right(await DaemonLock.ReleaseAsync(second));
        await second.DisposeAsync();
        Assert.False(File.Exists(lockPath));
    }

    [Fact]
    public async Task A_symbolic_link_or_a_directory_at_the_lock_path_is_refused()
    {
        var target = _dir.Combine("target");
        File.WriteAllText(target, "");
        var link = _dir.Combine("link.lock");
        File.CreateSymbolicLink(link, target);
        var directory = _dir.Combine("dir.lock");
        Directory.CreateDirectory(directory);

        Assert.Equal(LockErrorCode.InvalidPath, Left(await DaemonLock.AcquireAsync(link)).Code);
        Assert.Equal(LockErrorCode.InvalidPath, Left(await DaemonLock.AcquireAsync(directory)).Code);
        Assert.Equal(LockErrorCode.InvalidPath, Left(await DaemonLock.AcquireAsync("  ")).Code);
        Assert.Equal("", File.ReadAllText(target));
    }

    [Fact]
    public async Task An_unusable_parent_gives_an_io_error_that_names_the_path()
    {
        var error = Left(await DaemonLock.AcquireAsync("/proc/version/sub/daemon.lock"));

        Assert.Equal(LockErrorCode.Io, error.Code);
        Assert.Contains("/proc/version/sub", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Is_process_alive_follows_the_reference()
    {
        using var live = ChildProcess.Start("sleep", "120");

        Assert.True(DaemonLock.IsProcessAlive(Environment.ProcessId));
        Assert.True(DaemonLock.IsProcessAlive(live.Pid));
        Assert.True(DaemonLock.IsProcessAlive(1), "PID 1 exists; EPERM (when not root) still counts as alive.");
        Assert.False(DaemonLock.IsProcessAlive(0));
        Assert.False(DaemonLock.IsProcessAlive(-1));
        Assert.False(DaemonLock.IsProcessAlive(SurelyDeadPid));
        await live.KillAsync();
        Assert.False(DaemonLock.IsProcessAlive(live.Pid));
    }

    [Fact]
    public async Task Read_lock_pid_tolerates_whitespace_and_gives_none_for_missing_empty_or_invalid_files()
    {
        var lockPath = _dir.Combine("daemon.lock");
        Assert.Equal((int?)null, await DaemonLock.ReadLockPidAsync(lockPath));
        File.WriteAllText(lockPath, "  4242  \n");
        Assert.Equal((int?)4242, await DaemonLock.ReadLockPidAsync(lockPath));
        File.WriteAllText(lockPath, "");
        Assert.Equal((int?)null, await DaemonLock.ReadLockPidAsync(lockPath));
        File.WriteAllText(lockPath, "pid=12");
        Assert.Equal((int?)null, await DaemonLock.ReadLockPidAsync(lockPath));
    }

    /// <summary>Field 22 of /proc/&lt;pid&gt;/stat, read independently of the code under test.</summary>
    internal static string ProcStartTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
    }

    internal static T Right<T>(Result<T, LockError> result) =>
        result.Match(value => value, error => throw new Xunit.Sdk.XunitException($"Expected success, got: {error.Message}"));

    internal static LockError Left<T>(Result<T, LockError> result) =>
        result.Match(value => throw new Xunit.Sdk.XunitException($"Expected a failure, got {value}"), error => error);

    internal static T Right<T>(Either<LockError, T> result) =>
        result.Match(value => value, error => throw new Xunit.Sdk.XunitException($"Expected success, got: {error.Message}"));

    internal static LockError Left<T>(Either<LockError, T> result) =>
        result.Match(value => throw new Xunit.Sdk.XunitException($"Expected a LockError, got {value}"), error => error);
}
