using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Core.Tests.Clients;
using Outfitter.Daemon.Functional;
using Outfitter.Daemon.Testing;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>
/// Model-based property: 2–6 clients race the real <see cref="DaemonClient"/> interpreter over one simulated machine
/// (<see cref="FakeOs"/>, the in-memory transport, <see cref="FakeLauncher"/>, a discrete-event clock). The scenario
/// decides how each spawned daemon behaves (healthy, dies at start, takes its lock but never listens), at which connect
/// attempts the running daemon crashes, whether its PID is then reused (by the next daemon or by a foreign process),
/// and whether a crashed predecessor left its lock file and socket. Afterwards a stop and a clean-up run over the same
/// machine. Required: never two daemons at once, and exactly one at the end when a client connected after the last
/// crash; every client connected or got a typed error saying why; no foreign process ever signalled or killed; the
/// live daemon's lock file and socket never deleted; and with healthy daemons and no crash, exactly one spawn.
/// </summary>
public sealed class ConnectOrStartModelProperties
{
    private const string Name = "tool";
    private const string Socket = FakeMachine.RuntimeDir + "/tool/daemon.sock";
    private const string LockPath = FakeMachine.RuntimeDir + "/tool/daemon.lock";
    private const int StalePid = 39999;
    private static readonly DaemonStartInfo Start = new("/usr/bin/tool", ["run", "--name", Name]);
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>How a spawned daemon behaves.</summary>
    public enum Behaviour
    {
        Healthy,
        DiesAtStart,
        NeverListens,
    }

    /// <summary>Who gets a crashed daemon's PID.</summary>
    public enum Reuse
    {
        Nobody,
        NextDaemon,
        ForeignProcess,
    }

    /// <summary>One scenario.</summary>
    public sealed record Scenario(int Clients, Behaviour[] Spawns, int[] CrashAtConnect, Reuse Reuse, bool StaleAtStart, int TimeoutSeconds)
    {
        public override string ToString() =>
            $"{Clients} clients, spawns [{string.Join(",", Spawns)}], crash at connects [{string.Join(",", CrashAtConnect)}], reuse {Reuse}, stale {StaleAtStart}, timeout {TimeoutSeconds}s";
    }

    private static Gen<Scenario> Scenarios =>
        from clients in Gen.Choose(2, 6)
        from spawns in Gen.ListOf(Gen.Frequency((4, Gen.Constant(Behaviour.Healthy)), (2, Gen.Constant(Behaviour.DiesAtStart)), (1, Gen.Constant(Behaviour.NeverListens))))
        from crashCount in Gen.Frequency((2, Gen.Constant(0)), (3, Gen.Choose(1, 3)))
        from crashes in Gen.ArrayOf(Gen.Choose(1, 30), crashCount)
        from reuse in Gen.Elements(Enum.GetValues<Reuse>())
        from stale in Gen.Elements(false, true)
        from timeout in Gen.Choose(1, 10)
        select new Scenario(clients, spawns.Take(4).ToArray(), crashes.Distinct().ToArray(), reuse, stale, timeout);

    [Property(MaxTest = 120)]
    public Property Racing_clients_start_exactly_one_daemon_and_signal_nothing_foreign() =>
        Prop.ForAll(Arb.From(Scenarios), scenario => new World(scenario).Run().Label(scenario.ToString()));

    /// <summary>The simulated machine and what happened on it.</summary>
    private sealed class World
    {
        private readonly object _gate = new();
        private readonly Scenario _scenario;
        private readonly FakeMachine _machine = new(pid: 1);
        private readonly SimulatedClock _clock = new(T0);
        private readonly List<ProcessIdentity> _foreign = new();
        private readonly List<ProcessIdentity> _daemons = new();
        private readonly Dictionary<ProcessIdentity, IIpcListener> _listening = new();
        private readonly List<LockHandle> _daemonLocks = new();
        private readonly Dictionary<int, int> _connectedAtEpoch = new();
        private readonly List<string> _alreadyRunning = new();
        private int _connects;
        private int _crashes;

        public World(Scenario scenario)
        {
            _scenario = scenario;
            _machine.Launcher.OnStart = DaemonStartUp;
        }

        private FakeOs Os => _machine.Os;

        public Property Run()
        {
            if (_scenario.StaleAtStart)
            {
                // A predecessor crashed holding the lock: its file names it, its socket is dead.
                var predecessor = Os.Start(StalePid);
                Os.WriteFile(LockPath, LockFileContent.Format(predecessor.Current));
                _machine.Transport.LeaveDeadEndpoint(Socket);
                Os.Crash(StalePid);
                ReusePid(StalePid);
            }

            var clients = Enumerable.Range(0, _scenario.Clients).Select(i => Os.Start(1001 + i)).ToList();
            var results = new Either<DaemonConnectionError, (IpcClient Client, bool Started)>[clients.Count];
            var tasks = clients.Select((view, i) => Task.Run(async () =>
            {
                var ports = _machine.Ports with
                {
                    LockFiles = view, Processes = view, Directories = view, ProcessSignals = view,
                    Transport = new CrashingTransport(this, i), Time = _clock,
                };
                results[i] = (await DaemonClient.ConnectOrStartAsync(ports, Name, Start, new ConnectOrStartOptions { StartTimeout = TimeSpan.FromSeconds(_scenario.TimeoutSeconds) })).ToEither();
            })).ToArray();

            try
            {
                var driven = Drive(tasks);
                if (driven is not null)
                    return false.Label(driven);
                return Check(results);
            }
            finally
            {
                foreach (var result in results)
                    result.IfRight(c => c.Client.Close());
            }
        }

        /// <summary>Moves the clock to the next timer whenever every running client waits; null when all finished.</summary>
        private string? Drive(Task[] tasks)
        {
            var watchdog = Stopwatch.StartNew();
            while (true)
            {
                var quiet = SpinWait.SpinUntil(() => tasks.All(t => t.IsCompleted) || _clock.Pending >= tasks.Count(t => !t.IsCompleted), TimeSpan.FromSeconds(20));
                if (!quiet || watchdog.Elapsed > TimeSpan.FromSeconds(60))
                    return $"deadlock: {tasks.Count(t => !t.IsCompleted)} clients neither finish nor wait (simulated time {_clock.GetUtcNow() - T0})";
                if (tasks.All(t => t.IsCompleted))
                    return tasks.FirstOrDefault(t => t.IsFaulted)?.Exception?.ToString();
                _clock.FireNext();
            }
        }

        private Property Check(Either<DaemonConnectionError, (IpcClient Client, bool Started)>[] results)
        {
            var running = _daemons.Where(IsRunning).ToList();
            var spawns = _machine.Launcher.Spawns;
            var outcome = $"results [{string.Join("; ", results.Select(r => r.Match(c => $"connected started={c.Started}", e => e.ToString())))}], " +
                          $"{spawns.Count} spawns, {_crashes} crashes, running [{string.Join(",", running.Select(d => d.Pid))}]";

            if (running.Count > 1)
                return false.Label($"two daemons at once: {outcome}");
            if (_alreadyRunning.Count > 0)
                return false.Label($"a daemon was started while another held the lock ({string.Join(", ", _alreadyRunning)}): {outcome}");

            var connectedAfterLastCrash = _connectedAtEpoch.Any(c => c.Value == _crashes && results[c.Key].IsRight);
            if (connectedAfterLastCrash && running.Count != 1)
                return false.Label($"a client connected after the last crash, but {running.Count} daemons run: {outcome}");

            foreach (var result in results)
            {
                if (result.IsLeft && result.Match(_ => true, e => e is not (DaemonConnectionError.StartFailedError or DaemonConnectionError.ConnectionTimeoutError) || e.Message.Length == 0))
                    return false.Label($"an untyped or unexplained failure: {outcome}");
            }

            var started = results.Count(r => r.Match(c => c.Started, _ => false));
            var healthyListened = _listening.Count;
            if (started > healthyListened)
                return false.Label($"{started} clients say they started a daemon, {healthyListened} ever listened: {outcome}");

            var badSpawns = spawns.Select((_, i) => i < _scenario.Spawns.Length ? _scenario.Spawns[i] : Behaviour.Healthy).Any(b => b != Behaviour.Healthy);
            if (_crashes == 0 && !badSpawns)
            {
                if (results.Any(r => r.IsLeft) || spawns.Count != 1 || started != 1)
                    return false.Label($"with healthy daemons and no crash, all must connect to the one daemon one of them started: {outcome}");
            }

            // The running daemon keeps its lock file (naming it) and its socket.
            foreach (var daemon in running)
            {
                if (!_listening.ContainsKey(daemon))
                    return false.Label($"daemon {daemon.Pid} runs without listening at the end: {outcome}");
                if (LockFileContent.Parse(LanguageExt.Prelude.Optional(Os.ReadFile(LockPath))) != new LockFileContent.Owned(daemon))
                    return false.Label($"the live daemon's lock file is gone or names someone else: {outcome}");
                if (_machine.Transport.AsTransport().ProbeAsync(Socket, default).AsTask().Result != EndpointProbe.Listening)
                    return false.Label($"the live daemon's socket is gone: {outcome}");
            }

            // A stop and a clean-up, as the tool makes them, over the same machine.
            var tool = Os.Start(900);
            var stop = new DaemonStopper(tool, tool, tool).SignalOwner(LockPath, ProcessSignal.Terminate);
            if (running.Count == 1 && stop != new OwnerSignalResult.Sent(running[0], ProcessSignal.Terminate))
                return false.Label($"stop did not signal the running daemon ({stop}): {outcome}");
            if (running.Count == 0 && stop is OwnerSignalResult.Sent)
                return false.Label($"stop signalled {stop} with no daemon running: {outcome}");
            var removed = new DaemonLockService(tool, tool, tool).RemoveStale(LockPath);
            if (running.Count == 1 && (removed.Match(r => r, _ => true) || Os.ReadFile(LockPath) is null))
                return false.Label($"the clean-up deleted the live daemon's lock file ({removed}): {outcome}");

            if (Os.SignalsSent.Any(s => !_daemons.Any(d => d.Pid == s.Pid && d.StartTime == s.StartTime)))
                return false.Label($"a foreign process was signalled: {outcome}");
            if (_machine.Launcher.Killed.Any(k => !_daemons.Contains(k)))
                return false.Label($"a foreign process was killed: {outcome}");
            if (_foreign.Any(f => !IsRunning(f)))
                return false.Label($"a foreign process is gone: {outcome}");
            return true.ToProperty();
        }

        private bool IsRunning(ProcessIdentity process) => Os.StartTimeOf(process.Pid) == process.StartTime;

        /// <summary>A spawned daemon's start-up, as the real one does it: take the lock, then listen (replacing a dead socket).</summary>
        private int? DaemonStartUp(FakeLaunchContext context)
        {
            lock (_gate)
            {
                var self = context.Process;
                _daemons.Add(self.Current);
                var behaviour = context.Index < _scenario.Spawns.Length ? _scenario.Spawns[context.Index] : Behaviour.Healthy;
                var locked = new DaemonLockService(self, self, self).Acquire(LockPath);
                if (locked.IsFailure)
                {
                    _alreadyRunning.Add($"PID {self.Current.Pid}: {locked.Match(_ => "", e => e.Message)}");
                    context.Launcher.AppendLog(context.Launch.LogPath, "already running");
                    return 1;
                }

                locked.Switch(_daemonLocks.Add, _ => { });
                if (behaviour == Behaviour.DiesAtStart)
                {
                    context.Launcher.AppendLog(context.Launch.LogPath, "fatal: could not listen");
                    return 3;
                }

                if (behaviour == Behaviour.NeverListens)
                    return null;
                if (_machine.Transport.AsTransport().ProbeAsync(Socket, default).AsTask().Result == EndpointProbe.Dead)
                    _machine.Transport.AsTransport().RemoveStale(Socket);
                var listener = _machine.Transport.AsTransport().Listen(Socket, 16);
                return listener.Match<int?>(
                    Succ: l =>
                    {
                        _listening[self.Current] = l;
                        return null;
                    },
                    Fail: _ => 3);
            }
        }

        /// <summary>Called under the gate before a client's connect attempt: the scenario may crash the running daemon now.</summary>
        private void BeforeConnect()
        {
            _connects++;
            if (!_scenario.CrashAtConnect.Contains(_connects))
                return;
            var victim = _daemons.LastOrDefault(IsRunning);
            if (victim is null)
                return;
            Os.Crash(victim.Pid);
            if (_listening.TryGetValue(victim, out var listener))
            {
                listener.DisposeAsync().AsTask().Wait();
                _machine.Transport.LeaveDeadEndpoint(Socket); // a crash leaves the socket file behind
            }

            _crashes++;
            ReusePid(victim.Pid);
        }

        private void ReusePid(int pid)
        {
            if (_scenario.Reuse == Reuse.NextDaemon)
                _machine.Launcher.ReusePid(pid);
            else if (_scenario.Reuse == Reuse.ForeignProcess)
                _foreign.Add(Os.Start(pid).Current);
        }

        /// <summary>One client's view of the shared transport, through which the scenario injects crashes.</summary>
        private sealed class CrashingTransport(World world, int client) : IIpcTransport
        {
            private InMemoryTransport Inner => world._machine.Transport;

            public ValueTask<EndpointProbe> ProbeAsync(string endpoint, CancellationToken cancellationToken) => Inner.AsTransport().ProbeAsync(endpoint, cancellationToken);

            public Fin<Unit> RemoveStale(string endpoint) => Inner.AsTransport().RemoveStale(endpoint);

            public Fin<IIpcListener> Listen(string endpoint, int backlog) => Inner.AsTransport().Listen(endpoint, backlog);

            public Fin<IIpcListener> Adopt(string endpoint, int fd) => Inner.AsTransport().Adopt(endpoint, fd);

            public Option<DescriptorUse> Descriptors() => Inner.AsTransport().Descriptors();

            public ValueTask<Either<ConnectFailure, IIpcStream>> ConnectAsync(string endpoint, CancellationToken cancellationToken)
            {
                lock (world._gate)
                {
                    world.BeforeConnect();
                    var result = Inner.AsTransport().ConnectAsync(endpoint, cancellationToken).AsTask().Result;
                    if (result.IsRight)
                        world._connectedAtEpoch[client] = world._crashes;
                    return ValueTask.FromResult(result);
                }
            }
        }
    }
}
