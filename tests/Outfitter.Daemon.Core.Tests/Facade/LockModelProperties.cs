using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Testing;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>
/// Model-based property: random interleavings of acquire, release, crash (with PID reuse on restart) and foreign writes
/// across three simulated processes. The real service over the in-memory OS must agree with a one-variable model:
/// the lock has at most one live holder, acquisition succeeds exactly when there is none, and a refusal names the holder.
/// </summary>
public sealed class LockModelProperties
{
    private const string LockPath = "/run/tool/daemon.lock";
    private static readonly int[] Pids = [101, 202, 303];

    /// <summary>One step of the scenario.</summary>
    public abstract record Command
    {
        public sealed record Acquire(int Pid) : Command;

        public sealed record Release(int Pid) : Command;

        public sealed record Crash(int Pid) : Command;

        public sealed record ForeignWrite(string Content) : Command;
    }

    private static Gen<Command> CommandGen =>
        Gen.Frequency(
            (5, Gen.Elements(Pids).Select(p => (Command)new Command.Acquire(p))),
            (3, Gen.Elements(Pids).Select(p => (Command)new Command.Release(p))),
            (2, Gen.Elements(Pids).Select(p => (Command)new Command.Crash(p))),
            (1, Gen.Elements("", "garbage", "101\n", "999999\n").Select(c => (Command)new Command.ForeignWrite(c))));

    [Property(MaxTest = 300)]
    public Property The_lock_service_agrees_with_a_single_holder_model() =>
        Prop.ForAll(
            Arb.From(Gen.ListOf(CommandGen).Select(l => l.ToArray())),
            commands =>
            {
                var os = new FakeOs();
                var views = Pids.ToDictionary(p => p, os.Start);
                var handles = new Dictionary<int, LockHandle>();
                Option<int> holder = Option<int>.None;

                foreach (var command in commands)
                {
                    switch (command)
                    {
                        case Command.Acquire(var pid):
                        {
                            var service = new DaemonLockService(views[pid], views[pid], views[pid]);
                            var result = service.Acquire(LockPath);
                            if (holder.IsNone && !ForeignLiveOwner(os, pid))
                            {
                                var handle = DaemonLockServiceTests.Right(result);
                                handles[pid] = handle;
                                holder = pid;
                            }
                            else if (holder.IsSome)
                            {
                                var error = DaemonLockServiceTests.Left(result);
                                if (error.Code != LockErrorCode.AlreadyLocked)
                                    return false.Label($"acquire by {pid}: {error.Message}");

                                // While the file is as the holder wrote it, the refusal names the holder. After a foreign
                                // write it may name the PID written there, but never a process that is not running.
                                var holderWrote = os.ReadFile(LockPath) == LockFileContent.Format(views[(int)holder].Current);
                                if (holderWrote && error.Pid != holder)
                                    return false.Label($"refusal named {error.Pid}, holder is {holder}");
                                if (error.Pid.Exists(p => !os.IsRunning(p)))
                                    return false.Label($"refusal named {error.Pid}, which is not running");
                            }
                            else
                            {
                                // A foreign reference-format file names a live process: honouring it is required.
                                if (result.IsSuccess)
                                    return false.Label($"acquire by {pid} ignored a live owner named in the file");
                            }

                            break;
                        }

                        case Command.Release(var pid):
                            if (handles.Remove(pid, out var held))
                            {
                                var service = new DaemonLockService(views[pid], views[pid], views[pid]);
                                if (service.Release(held).IsFailure)
                                    return false.Label($"release by {pid} failed");
                                holder = Option<int>.None;
                            }

                            break;

                        case Command.Crash(var pid):
                            os.Crash(pid);
                            handles.Remove(pid);
                            if (holder == pid)
                                holder = Option<int>.None;
                            views[pid] = os.Start(pid); // the PID is reused by a new process with a new start time
                            break;

                        case Command.ForeignWrite(var content):
                            os.WriteFile(LockPath, content);
                            break;
                    }

                    var alive = new DaemonLockService(views[Pids[0]], views[Pids[0]], views[Pids[0]]).IsDaemonAlive(LockPath);
                    if (holder.IsSome && !alive)
                        return false.Label($"holder {holder} exists but IsDaemonAlive is false after {command}");
                }

                return true.ToProperty();
            });

    // With no holder, a file in the reference format that names a live process other than the caller still counts as held.
    private static bool ForeignLiveOwner(FakeOs os, int caller) =>
        LanguageExt.Prelude.Optional(os.ReadFile(LockPath))
            .Map(text => LockFileContent.Parse(text))
            .Map(content => content is LockFileContent.Owned { Owner: { StartTime: null } owner }
                            && owner.Pid != caller && os.IsRunning(owner.Pid))
            .IfNone(false);
}
