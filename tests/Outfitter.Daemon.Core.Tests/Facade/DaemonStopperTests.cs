using LanguageExt;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Testing;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>
/// <see cref="DaemonStopper"/> and stale clean-up over the test kit's in-memory OS, where PIDs can be reused at will: a
/// signal reaches the lock's verified holder or nobody, and clean-up never deletes a live daemon's file.
/// </summary>
public sealed class DaemonStopperTests
{
    private const string LockPath = "/run/user/1000/tool/daemon.lock";
    private readonly FakeOs _os = new();

    private static DaemonLockService LocksFor(FakeOs.ProcessView process) => new(process, process, process);

    private static DaemonStopper StopperFor(FakeOs.ProcessView process) => new(process, process, process);

    private static LockHandle Acquire(FakeOs.ProcessView process) =>
        LocksFor(process).Acquire(LockPath).Match(h => h, e => throw new InvalidOperationException(e.Message));

    [Fact]
    public void The_verified_holder_gets_the_signal()
    {
        var daemon = _os.Start(100);
        using var handle = Acquire(daemon);
        var tool = _os.Start(300);

        var result = StopperFor(tool).SignalOwner(LockPath, ProcessSignal.Terminate);

        Assert.Equal(new OwnerSignalResult.Sent(daemon.Current, ProcessSignal.Terminate), result);
        Assert.Equal([new FakeOs.SentSignal(100, daemon.Current.StartTime!.Value, ProcessSignal.Terminate, 300)], _os.SignalsSent);
    }

    [Fact]
    public void A_new_holder_that_has_not_rewritten_its_dead_predecessors_file_is_not_confused_with_the_reused_pid()
    {
        // A held the lock and crashed; its PID was reused by an unrelated process; B has locked but not yet written.
        var a = _os.Start(100);
        Acquire(a);
        _os.Crash(100);
        var unrelated = _os.Start(100);
        var b = _os.Start(200);
        Assert.True(b.AsLockFiles().TryLock(LockPath).Match(attempt => attempt is LockAttempt.Locked, _ => false));
        var tool = _os.Start(300);

        var stopper = StopperFor(tool);
        var term = stopper.SignalOwner(LockPath, ProcessSignal.Terminate);
        var kill = stopper.SignalOwner(LockPath, ProcessSignal.Kill);

        Assert.Equal(new OwnerSignalResult.Refused(SignalRefusal.PidReused, (100), StopDecisions.Explain(new SignalPermission.Refused(SignalRefusal.PidReused, Some(100)))), term);
        Assert.IsType<OwnerSignalResult.Refused>(kill);
        Assert.Empty(_os.SignalsSent);
        Assert.True(_os.IsRunning(unrelated.Current.Pid));
    }

    [Fact]
    public void A_kill_after_the_wait_re_decides_and_spares_a_process_that_took_the_pid_meanwhile()
    {
        // The stop observed daemon A, sent SIGTERM and waited; meanwhile A exited and its PID went to an unrelated process.
        var a = _os.Start(100);
        Acquire(a);
        var tool = _os.Start(300);
        var stopper = StopperFor(tool);
        var owner = Assert.IsType<SignalPermission.Allowed>(stopper.WhomToSignal(LockPath)).Owner;
        Assert.IsType<OwnerSignalResult.Sent>(stopper.SignalOwner(LockPath, ProcessSignal.Terminate, owner));

        _os.Crash(100);
        var unrelated = _os.Start(100);

        var kill = stopper.SignalOwner(LockPath, ProcessSignal.Kill, owner);

        Assert.Equal(SignalRefusal.NotLocked, Assert.IsType<OwnerSignalResult.Refused>(kill).Reason);
        Assert.True(_os.IsRunning(100));
        Assert.DoesNotContain(_os.SignalsSent, s => s.StartTime == unrelated.Current.StartTime);
        Assert.Single(_os.SignalsSent);
    }

    [Fact]
    public void A_kill_spares_a_new_daemon_that_took_the_lock_after_the_one_being_stopped_exited()
    {
        var a = _os.Start(100);
        var handle = Acquire(a);
        var tool = _os.Start(300);
        var stopper = StopperFor(tool);
        var owner = Assert.IsType<SignalPermission.Allowed>(stopper.WhomToSignal(LockPath)).Owner;

        LocksFor(a).Release(handle);
        _os.Crash(100);
        var successor = _os.Start(100); // even with the same PID
        using var next = Acquire(successor);

        var kill = stopper.SignalOwner(LockPath, ProcessSignal.Kill, owner);

        Assert.Equal(new OwnerSignalResult.OwnerChanged(owner, successor.Current), kill);
        Assert.Empty(_os.SignalsSent);
        Assert.True(_os.IsRunning(100));
    }

    [Fact]
    public void A_kill_reaches_the_verified_holder_and_frees_the_lock()
    {
        var a = _os.Start(100);
        Acquire(a);
        var tool = _os.Start(300);

        var kill = StopperFor(tool).SignalOwner(LockPath, ProcessSignal.Kill);

        Assert.IsType<OwnerSignalResult.Sent>(kill);
        Assert.False(_os.IsRunning(100));
        Assert.False(LocksFor(tool).IsDaemonAlive(LockPath));
    }

    [Fact]
    public void A_file_naming_a_live_process_without_a_kernel_lock_is_never_signalled()
    {
        var unrelated = _os.Start(100);
        _os.WriteFile(LockPath, LockFileContent.Format(unrelated.Current));
        var tool = _os.Start(300);

        var result = StopperFor(tool).SignalOwner(LockPath, ProcessSignal.Kill);

        Assert.Equal(SignalRefusal.NotLocked, Assert.IsType<OwnerSignalResult.Refused>(result).Reason);
        Assert.Empty(_os.SignalsSent);
        Assert.True(_os.IsRunning(100));
    }

    [Fact]
    public void A_holder_whose_start_time_cannot_be_read_is_not_signalled()
    {
        var a = _os.Start(100);
        Acquire(a);
        _os.HideStartTime(100);
        var tool = _os.Start(300);

        var result = StopperFor(tool).SignalOwner(LockPath, ProcessSignal.Terminate);

        Assert.Equal(SignalRefusal.StartTimeUnknown, Assert.IsType<OwnerSignalResult.Refused>(result).Reason);
        Assert.Empty(_os.SignalsSent);
    }

    // Stale clean-up: only under the lock.

    [Fact]
    public void Remove_stale_deletes_a_crashed_owners_file()
    {
        var a = _os.Start(100);
        Acquire(a);
        _os.Crash(100);
        var tool = _os.Start(300);

        Assert.Equal(Result<bool, LockError>.Success(true), LocksFor(tool).RemoveStale(LockPath));
        Assert.True(_os.ReadFile(LockPath) is null);
    }

    [Fact]
    public void Remove_stale_leaves_a_live_daemons_file_and_lock_alone()
    {
        var a = _os.Start(100);
        using var handle = Acquire(a);
        var tool = _os.Start(300);
        var before = _os.ReadFile(LockPath);

        Assert.Equal(Result<bool, LockError>.Success(false), LocksFor(tool).RemoveStale(LockPath));
        Assert.Equal(before, _os.ReadFile(LockPath));
        Assert.True(LocksFor(tool).IsDaemonAlive(LockPath));
    }

    [Fact]
    public void Remove_stale_leaves_a_file_naming_a_live_owner_without_a_kernel_lock()
    {
        var typescriptOwner = _os.Start(100);
        _os.WriteFile(LockPath, "100\n");
        var tool = _os.Start(300);

        Assert.Equal(Result<bool, LockError>.Success(false), LocksFor(tool).RemoveStale(LockPath));
        Assert.Equal("100\n", _os.ReadFile(LockPath));
        Assert.True(_os.IsRunning(typescriptOwner.Current.Pid));
    }

    [Fact]
    public void Remove_stale_with_no_file_creates_nothing()
    {
        var tool = _os.Start(300);

        Assert.Equal(Result<bool, LockError>.Success(false), LocksFor(tool).RemoveStale(LockPath));
        Assert.True(_os.ReadFile(LockPath) is null);
    }

    [Fact]
    public void A_daemon_starting_after_the_clean_up_keeps_its_file()
    {
        // The old tool probed, then deleted outside the lock: a daemon that started in between lost its file.
        var a = _os.Start(100);
        Acquire(a);
        _os.Crash(100);
        var tool = _os.Start(300);
        var daemon = _os.Start(200);
        using var handle = Acquire(daemon);

        Assert.Equal(Result<bool, LockError>.Success(false), LocksFor(tool).RemoveStale(LockPath));
        Assert.Equal(LockFileContent.Format(daemon.Current), _os.ReadFile(LockPath));
    }
}
