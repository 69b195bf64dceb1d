using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Outfitter.Daemon.Core.Clients;
using Outfitter.Daemon.Core.Locking;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Clients;

/// <summary>
/// Restart on upgrade: comparing a daemon's hello with what a client expects, and the connect-or-start decision's
/// Accept, Reject and Restart policies (examples, properties, and a simulated race of several clients).
/// </summary>
public sealed class DaemonMismatchTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly ServerHello Old = new(2, "tool", "1.0.0", "b1", 100, T0, ["cancel"], null);
    private static readonly DaemonExpectation WantsNew = new() { Version = "2.0.0", Build = "b2" };
    private static readonly DaemonConnectionError.DaemonMismatchError Differs = new("it differs", Old);
    private static readonly DaemonConnectionError NoSocket = new DaemonConnectionError.ConnectionRefusedError("/run/x/daemon.sock", "no socket file exists");

    private static ConnectOrStartFacts Begin(DaemonMismatchPolicy policy) => ConnectOrStartFacts.Begin(T0, TimeSpan.FromSeconds(30)) with { Policy = policy };

    private static ConnectResult Mismatched => new ConnectResult.Connected(Some(Differs));

    [Fact]
    public void Nothing_expected_matches_anything_even_protocol_one()
    {
        Assert.Null(DaemonMatch.Mismatch(new DaemonExpectation(), Old));
        Assert.Null(DaemonMatch.Mismatch(new DaemonExpectation(), ServerHello.ProtocolOne));
    }

    [Fact]
    public void Each_expected_member_is_compared_and_named_when_it_differs()
    {
        Assert.Null(DaemonMatch.Mismatch(new DaemonExpectation { Version = "1.0.0" }, Old));
        Assert.Null(DaemonMatch.Mismatch(new DaemonExpectation { Version = "1.0.0", Build = "b1" }, Old));
        var reason = DaemonMatch.Mismatch(WantsNew, Old);
        Assert.Equal("the running daemon (PID 100) has version \"1.0.0\", expected \"2.0.0\", build \"b1\", expected \"b2\"", reason);
        Assert.Contains("options hash (none), expected \"h\"", DaemonMatch.Mismatch(new DaemonExpectation { OptionsHash = "h" }, Old), StringComparison.Ordinal);
    }

    [Fact]
    public void A_daemon_that_does_not_say_its_version_differs_from_any_expectation()
    {
        Assert.Contains("protocol 1", DaemonMatch.Mismatch(new DaemonExpectation { Build = "b1" }, ServerHello.ProtocolOne), StringComparison.Ordinal);
    }

    [Fact]
    public void Accept_keeps_the_running_daemon_and_reject_fails_with_the_mismatch()
    {
        Assert.Equal(new ConnectOrStartStep.Done(false), ConnectOrStart.Decide(Begin(DaemonMismatchPolicy.Accept).AfterConnect(Mismatched), T0));
        var fail = Assert.IsType<ConnectOrStartStep.Fail>(ConnectOrStart.Decide(Begin(DaemonMismatchPolicy.Reject).AfterConnect(Mismatched), T0));
        Assert.False(fail.StopSpawned);
        Assert.Same(Differs, ConnectOrStart.ToError(fail.Reason, "", "tool"));
    }

    [Fact]
    public void Restart_elects_checks_again_under_the_election_stops_then_starts()
    {
        var seen = Begin(DaemonMismatchPolicy.Restart).AfterConnect(Mismatched);
        Assert.IsType<ConnectOrStartStep.AcquireSpawnLock>(ConnectOrStart.Decide(seen, T0));

        // Elected: connect again first, since another client may have restarted it meanwhile.
        var elected = seen.AfterSpawnLock(new SpawnLockState.HeldByUs());
        Assert.IsType<ConnectOrStartStep.Connect>(ConnectOrStart.Decide(elected, T0));
        Assert.Equal(new ConnectOrStartStep.Done(false), ConnectOrStart.Decide(elected.AfterConnect(new ConnectResult.Connected()), T0));

        var stillOld = elected.AfterConnect(Mismatched);
        Assert.IsType<ConnectOrStartStep.StopForRestart>(ConnectOrStart.Decide(stillOld, T0));

        var stopped = stillOld.AfterRestartStop(new RestartState.Stopped());
        Assert.IsType<ConnectOrStartStep.Connect>(ConnectOrStart.Decide(stopped, T0));
        var gone = stopped.AfterConnect(new ConnectResult.NotListening(NoSocket));
        Assert.IsType<ConnectOrStartStep.Spawn>(ConnectOrStart.Decide(gone, T0));
        var spawned = gone.AfterSpawn(new SpawnedState.Alive(200));
        Assert.Equal(new ConnectOrStartStep.Done(true), ConnectOrStart.Decide(spawned.AfterConnect(new ConnectResult.Connected()), T0));
    }

    [Fact]
    public void Restart_waits_while_another_client_is_elected()
    {
        var other = Begin(DaemonMismatchPolicy.Restart).AfterConnect(Mismatched).AfterSpawnLock(new SpawnLockState.HeldByOther(Some(7)));
        Assert.IsType<ConnectOrStartStep.WaitAndRetry>(ConnectOrStart.Decide(other, T0));
    }

    [Fact]
    public void A_daemon_that_still_differs_after_the_restart_fails_instead_of_restarting_again()
    {
        var restarted = Begin(DaemonMismatchPolicy.Restart).AfterConnect(Mismatched).AfterSpawnLock(new SpawnLockState.HeldByUs())
            .AfterRestartStop(new RestartState.Stopped()).AfterSpawn(new SpawnedState.Alive(200));
        Assert.IsType<ConnectOrStartStep.Fail>(ConnectOrStart.Decide(restarted.AfterConnect(Mismatched), T0));
        var failedStop = Begin(DaemonMismatchPolicy.Restart).AfterConnect(Mismatched).AfterSpawnLock(new SpawnLockState.HeldByUs())
            .AfterRestartStop(new RestartState.StopFailed("no answer"));
        var fail = Assert.IsType<ConnectOrStartStep.Fail>(ConnectOrStart.Decide(failedStop.AfterConnect(Mismatched), T0));
        Assert.Contains("could not be stopped for a restart: no answer", ConnectOrStart.ToError(fail.Reason, "", "tool").Message, StringComparison.Ordinal);
    }

    private static Gen<ConnectOrStartFacts> MismatchedFacts =>
        from policy in Gen.Elements(DaemonMismatchPolicy.Accept, DaemonMismatchPolicy.Reject, DaemonMismatchPolicy.Restart)
        from spawnLock in Gen.Elements<SpawnLockState>(new SpawnLockState.NotTried(), new SpawnLockState.HeldByUs(), new SpawnLockState.HeldByOther(None), new SpawnLockState.Unusable(LockError.Io("/x", "broken")))
        from spawned in Gen.Elements<SpawnedState>(new SpawnedState.NotSpawned(), new SpawnedState.Alive(3), new SpawnedState.Exited(3, None))
        from restart in Gen.Elements<RestartState>(new RestartState.NotTried(), new RestartState.Stopped(), new RestartState.StopFailed("x"))
        from nowMs in Gen.Choose(0, 40_000)
        select Begin(policy).AfterConnect(Mismatched) with { SpawnLock = spawnLock, Spawned = spawned, Restart = restart, Waits = nowMs % 7 };

    [Property(MaxTest = 2000)]
    public Property A_daemon_is_stopped_only_under_the_restart_policy_by_the_elected_client_once_and_never_one_it_started() =>
        Prop.ForAll(Arb.From(MismatchedFacts), Arb.From(Gen.Choose(0, 40_000)), (facts, nowMs) =>
        {
            var step = ConnectOrStart.Decide(facts, T0 + TimeSpan.FromMilliseconds(nowMs));
            var stops = step is ConnectOrStartStep.StopForRestart;
            var allowed = facts.Policy == DaemonMismatchPolicy.Restart
                && facts.SpawnLock is SpawnLockState.HeldByUs or SpawnLockState.Unusable
                && facts.Restart is RestartState.NotTried
                && facts.Spawned is SpawnedState.NotSpawned
                && nowMs < 30_000;
            return stops == allowed
                && (facts.Policy != DaemonMismatchPolicy.Accept || step is ConnectOrStartStep.Done)
                && (facts.Policy != DaemonMismatchPolicy.Reject || step is ConnectOrStartStep.Fail);
        });

    /// <summary>
    /// Several clients racing against one mismatched daemon, interleaved at random, each running the decision loop
    /// against a shared pure world (the daemon's build, the spawn election): exactly one stops it, at most one starts
    /// the new one, and every client ends connected to the expected build.
    /// </summary>
    [Property(MaxTest = 300)]
    public Property Of_racing_clients_one_restarts_and_all_end_on_the_new_build() =>
        Prop.ForAll(Arb.From(Gen.ListOf(Gen.Choose(0, 3)).Select(l => l.ToArray())), Arb.From(Gen.Choose(2, 4)), (schedule, clients) =>
        {
            var world = new World();
            var runs = Enumerable.Range(0, clients).Select(i => new ClientRun(i, Begin(DaemonMismatchPolicy.Restart))).ToArray();
            var turns = schedule.Concat(Enumerable.Repeat(Enumerable.Range(0, clients), 400).SelectMany(x => x)).Select(i => i % clients);
            foreach (var i in turns)
            {
                if (runs.All(r => r.Result is not null))
                    break;
                runs[i].Step(world);
            }

            return runs.All(r => r.Result == "done") && world.Stops == 1 && world.Spawns == 1 && world.Build == "new";
        });

    private sealed class World
    {
        public string? Build { get; set; } = "old";

        public int? Election { get; set; }

        public int Stops { get; set; }

        public int Spawns { get; set; }

        public DateTimeOffset Now { get; set; } = T0;
    }

    private sealed class ClientRun(int id, ConnectOrStartFacts facts)
    {
        private ConnectOrStartFacts _facts = facts;
        private bool _spawnedByUs;

        public string? Result { get; private set; }

        public void Step(World world)
        {
            if (Result is not null)
                return;
            switch (ConnectOrStart.Decide(_facts, world.Now))
            {
                case ConnectOrStartStep.Connect:
                    _facts = _facts.AfterConnect(world.Build switch
                    {
                        null => new ConnectResult.NotListening(NoSocket),
                        "new" => new ConnectResult.Connected(),
                        _ => Mismatched,
                    });
                    break;
                case ConnectOrStartStep.AcquireSpawnLock:
                    if (world.Election is null || world.Election == id)
                    {
                        world.Election = id;
                        _facts = _facts.AfterSpawnLock(new SpawnLockState.HeldByUs());
                    }
                    else
                    {
                        _facts = _facts.AfterSpawnLock(new SpawnLockState.HeldByOther(Some(world.Election.Value)));
                    }

                    break;
                case ConnectOrStartStep.StopForRestart:
                    world.Stops++;
                    world.Build = null;
                    _facts = _facts.AfterRestartStop(new RestartState.Stopped());
                    break;
                case ConnectOrStartStep.Spawn:
                    world.Spawns++;
                    world.Build = "new";
                    _spawnedByUs = true;
                    _facts = _facts.AfterSpawn(new SpawnedState.Alive(500 + id));
                    break;
                case ConnectOrStartStep.WaitAndRetry wait:
                    world.Now += TimeSpan.FromTicks(wait.Delay.Ticks / 10);
                    _facts = _facts.AfterWait();
                    break;
                case ConnectOrStartStep.Done done:
                    Result = done.Started == _spawnedByUs ? "done" : "wrong started flag";
                    if (world.Election == id)
                        world.Election = null; // the election ends with the call
                    break;
                case ConnectOrStartStep.Fail fail:
                    Result = "failed: " + fail.Reason;
                    if (world.Election == id)
                        world.Election = null;
                    break;
            }
        }
    }
}
