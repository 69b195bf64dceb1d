using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Microsoft.Extensions.Time.Testing;
using Outfitter.Daemon.Core.Lifecycle;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Testing;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>
/// Model-based property: random command sequences drive the real <see cref="DaemonRuntime"/> over the test kit's fakes,
/// and after every command its <c>State</c>, <c>IsRunning</c>, handler runs and PID file agree with a small model.
/// Another simulated process competes for the PID file and sometimes crashes holding it.
/// </summary>
public sealed class DaemonModelProperties
{
    private const string PidFile = "/run/svc/daemon.pid";
    private const int OtherPid = 31337;

    /// <summary>One step of the scenario.</summary>
    public enum Command
    {
        Start,
        Stop,
        SignalTerm,
        RegisterHandler,
        OtherTakesPidFile,
        OtherReleases,
        OtherCrashes,
    }

    [Property(MaxTest = 200)]
    public Property The_daemon_agrees_with_the_model_after_every_command() =>
        Prop.ForAll(
            Arb.From(Gen.ListOf(Gen.Elements(Enum.GetValues<Command>())).Select(l => l.ToArray())),
            commands => Run(commands));

    private static Property Run(Command[] commands)
    {
        var os = new FakeOs();
        var self = os.Start(Environment.ProcessId);
        var signals = new FakeSignals();
        var daemon = new DaemonRuntime(
            new DaemonOptions { Name = "svc", PidFile = PidFile, ExitOnSignal = false },
            new DaemonLockService(self, self, self), signals, self, new FakeTimeProvider());
        FakeOs.ProcessView? other = os.Start(OtherPid);
        LockHandle? otherHandle = null;

        // The model.
        var running = false;
        var handlers = 0;
        var expectedRuns = 0;
        var handlerRuns = 0;

        foreach (var command in commands)
        {
            switch (command)
            {
                case Command.Start:
                {
                    var result = daemon.StartAsync().GetAwaiter().GetResult();
                    var expectOk = !running && otherHandle is null;
                    if (result.IsSuccess != expectOk)
                        return false.Label($"Start: expected ok={expectOk}, got {result}");
                    if (!expectOk && result.Match(_ => DaemonErrorCode.StartFailed, e => e.Code) != DaemonErrorCode.AlreadyRunning)
                        return false.Label($"Start refused with {result}, expected ALREADY_RUNNING");
                    running = running || expectOk;
                    break;
                }

                case Command.Stop:
                {
                    var result = daemon.StopAsync().GetAwaiter().GetResult();
                    if (result.IsSuccess != running)
                        return false.Label($"Stop: expected ok={running}, got {result}");
                    if (running)
                        expectedRuns += handlers;
                    running = false;
                    break;
                }

                case Command.SignalTerm:
                    signals.Raise(StopSignal.Terminate);
                    if (running)
                    {
                        var stopped = daemon.WaitForStopAsync().WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
                        if (stopped.IsFailure)
                            return false.Label($"Signal stop failed: {stopped}");
                        expectedRuns += handlers;
                        running = false;
                    }

                    break;

                case Command.RegisterHandler:
                    daemon.OnShutdown(_ =>
                    {
                        Interlocked.Increment(ref handlerRuns);
                        return Task.CompletedTask;
                    });
                    handlers++;
                    break;

                case Command.OtherTakesPidFile:
                    if (other is not null && otherHandle is null)
                    {
                        var taken = new DaemonLockService(other, other, other).Acquire(PidFile);
                        if (taken.IsSuccess == running)
                            return false.Label($"Other process acquire: expected ok={!running}, got {taken}");
                        otherHandle = taken.Match<LockHandle?>(h => h, _ => null);
                    }

                    break;

                case Command.OtherReleases:
                    if (other is not null && otherHandle is not null)
                    {
                        new DaemonLockService(other, other, other).Release(otherHandle);
                        otherHandle = null;
                    }

                    break;

                case Command.OtherCrashes:
                    os.Crash(OtherPid);
                    otherHandle = null;
                    other = os.Start(OtherPid); // a new process that happens to get the same PID
                    break;
            }

            // Compare with the model after every command.
            var expectedState = running ? DaemonState.Running : DaemonState.Stopped;
            if (daemon.State != expectedState || daemon.IsRunning != running)
                return false.Label($"after {command}: state {daemon.State}, model {expectedState}");
            if (handlerRuns != expectedRuns)
                return false.Label($"after {command}: handlers ran {handlerRuns} times, model {expectedRuns}");
            var pid = LanguageExt.Prelude.Optional(os.ReadFile(PidFile)).Map(text => LockFileContent.Parse(text).Pid).IfNone(Option<int>.None);
            if (running && pid != Environment.ProcessId)
                return false.Label($"after {command}: running but the PID file names {pid}");
            if (!running && pid == Environment.ProcessId)
                return false.Label($"after {command}: stopped but the PID file still names us");
            if (otherHandle is not null && pid != OtherPid)
                return false.Label($"after {command}: the other process holds the lock but the file names {pid}");
        }

        return true.ToProperty();
    }
}
