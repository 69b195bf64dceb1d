using System.Globalization;
using LanguageExt;
using Outfitter.Daemon.Adapters.Processes;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.IntegrationTests.Locking;

/// <summary>
/// The signal adapter (pidfd on Linux) and <see cref="DaemonStopper"/> against real processes: a signal reaches the
/// identified process, and a process whose start time does not match, or that no kernel lock names, is left alone.
/// </summary>
public sealed class ProcessSignalsTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static ProcessIdentity IdentityOf(int pid) =>
        new(pid, (ulong?)ulong.Parse(LockingTests.ProcStartTime(pid), CultureInfo.InvariantCulture));

    private static SignalDelivery Delivery(Fin<SignalDelivery> result) =>
        result.Match(d => d, e => throw new Xunit.Sdk.XunitException($"Expected a delivery, got: {e.Message}"));

    [Fact]
    public async Task A_signal_reaches_the_process_with_the_recorded_start_time()
    {
        using var sleep = ChildProcess.Start("sleep", "120");
        var identity = IdentityOf(sleep.Pid);

        Assert.Equal(SignalDelivery.Delivered, Delivery(new UnixProcessSignals().Send(identity, ProcessSignal.Terminate)));

        await sleep.WaitForExitAsync();
        Assert.Equal(SignalDelivery.Gone, Delivery(new UnixProcessSignals().Send(identity, ProcessSignal.Kill)));
    }

    [Fact]
    public async Task A_process_whose_start_time_differs_or_is_unknown_is_not_signalled()
    {
        using var sleep = ChildProcess.Start("sleep", "120");
        var real = IdentityOf(sleep.Pid);
        var signals = new UnixProcessSignals();

        Assert.Equal(SignalDelivery.NotThatProcess, Delivery(signals.Send(real with { StartTime = real.StartTime + 1 }, ProcessSignal.Kill)));
        Assert.Equal(SignalDelivery.NotThatProcess, Delivery(signals.Send(real with { StartTime = null }, ProcessSignal.Kill)));

        Assert.False(sleep.Process.WaitForExit(200), "sleep was signalled although its start time did not match.");
        await sleep.KillAsync();
    }

    [Fact]
    public async Task The_stopper_signals_the_real_holder_of_the_lock()
    {
        var lockPath = _dir.Combine("run", "daemon.lock");
        using var holder = ChildProcess.StartDotnet(Artifacts.TestHelperDll, "hold", lockPath);
        Assert.Equal($"ACQUIRED {holder.Pid}", await holder.NextLineAsync());
        // Read the identity before signalling: once signalled, the holder may exit and its /proc entry vanish.
        var identity = IdentityOf(holder.Pid);

        var result = DaemonStopper.Os.SignalOwner(lockPath, ProcessSignal.Terminate);

        Assert.Equal(new OwnerSignalResult.Sent(identity, ProcessSignal.Terminate), result);
        Assert.NotEqual(0, await holder.WaitForExitAsync());
    }

    [Fact]
    public async Task The_stopper_never_signals_a_live_process_named_by_a_file_nobody_locks()
    {
        using var sleep = ChildProcess.Start("sleep", "120");
        var lockPath = _dir.Combine("daemon.lock");
        File.WriteAllText(lockPath, LockFileContent.Format(IdentityOf(sleep.Pid)));

        var term = DaemonStopper.Os.SignalOwner(lockPath, ProcessSignal.Terminate);
        var kill = DaemonStopper.Os.SignalOwner(lockPath, ProcessSignal.Kill);

        Assert.Equal(SignalRefusal.NotLocked, Assert.IsType<OwnerSignalResult.Refused>(term).Reason);
        Assert.Equal(SignalRefusal.NotLocked, Assert.IsType<OwnerSignalResult.Refused>(kill).Reason);
        Assert.False(sleep.Process.WaitForExit(200), "sleep was signalled although nobody held the lock.");
        await sleep.KillAsync();
    }
}
