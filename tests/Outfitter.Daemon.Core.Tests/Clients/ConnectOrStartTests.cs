using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Outfitter.Daemon.Core.Clients;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Locking;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Clients;

/// <summary>
/// The connect-or-start decision: examples of each rule, properties over every combination of facts, and a pure
/// simulation of whole runs against a random world (the decision's loop, without the shell).
/// </summary>
public sealed class ConnectOrStartTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly DaemonConnectionError NoSocket = new DaemonConnectionError.ConnectionRefusedError("/run/x/daemon.sock", "no socket file exists");
    private static readonly DaemonConnectionError Stale = new DaemonConnectionError.StaleSocketError("/run/x/daemon.sock", (42));
    private static readonly DaemonConnectionError Denied = new DaemonConnectionError.ConnectionRefusedError("/run/x/daemon.sock", "permission denied", MayRetry: false);

    private static ConnectOrStartFacts Begin => ConnectOrStartFacts.Begin(T0, Timeout);

    private static ConnectOrStartStep Decide(ConnectOrStartFacts facts, TimeSpan elapsed = default) => ConnectOrStart.Decide(facts, T0 + elapsed);

    [Fact]
    public void The_first_step_is_to_connect_even_with_no_time_at_all()
    {
        Assert.IsType<ConnectOrStartStep.Connect>(Decide(Begin));
        Assert.IsType<ConnectOrStartStep.Connect>(ConnectOrStart.Decide(ConnectOrStartFacts.Begin(T0, TimeSpan.Zero), T0 + TimeSpan.FromHours(1)));
    }

    [Fact]
    public void A_running_daemon_is_used_and_not_started()
    {
        Assert.Equal(new ConnectOrStartStep.Done(false), Decide(Begin.AfterConnect(new ConnectResult.Connected())));
    }

    [Fact]
    public void Nothing_listening_elects_then_connects_again_then_spawns()
    {
        var failed = Begin.AfterConnect(new ConnectResult.NotListening(NoSocket));
        Assert.IsType<ConnectOrStartStep.AcquireSpawnLock>(Decide(failed));

        var elected = failed.AfterSpawnLock(new SpawnLockState.HeldByUs());
        Assert.IsType<ConnectOrStartStep.Connect>(Decide(elected)); // the previous starter may just have finished

        var stillNothing = elected.AfterConnect(new ConnectResult.NotListening(Stale));
        Assert.IsType<ConnectOrStartStep.Spawn>(Decide(stillNothing));

        var spawned = stillNothing.AfterSpawn(new SpawnedState.Alive(500));
        Assert.IsType<ConnectOrStartStep.Connect>(Decide(spawned));
        Assert.Equal(new ConnectOrStartStep.Done(true), Decide(spawned.AfterConnect(new ConnectResult.Connected())));
    }

    [Fact]
    public void While_another_client_holds_the_election_this_one_waits_and_then_looks_at_the_election_again()
    {
        var waiting = Begin.AfterConnect(new ConnectResult.NotListening(NoSocket)).AfterSpawnLock(new SpawnLockState.HeldByOther(Some(7)));
        Assert.Equal(new ConnectOrStartStep.WaitAndRetry(ConnectOrStart.FirstDelay), Decide(waiting));

        var afterWait = waiting.AfterWait();
        Assert.IsType<ConnectOrStartStep.Connect>(Decide(afterWait));
        Assert.IsType<ConnectOrStartStep.AcquireSpawnLock>(Decide(afterWait.AfterConnect(new ConnectResult.NotListening(NoSocket))));
    }

    [Fact]
    public void An_unusable_election_still_starts_the_daemon_whose_own_lock_prevents_a_second_copy()
    {
        var facts = Begin.AfterConnect(new ConnectResult.NotListening(NoSocket))
            .AfterSpawnLock(new SpawnLockState.Unusable(LockError.Io("/run/x/daemon.lock.spawn", "read-only file system")))
            .AfterConnect(new ConnectResult.NotListening(NoSocket));
        Assert.IsType<ConnectOrStartStep.Spawn>(Decide(facts));
    }

    [Fact]
    public void A_daemon_that_exits_while_starting_fails_with_its_exit_code_after_one_more_connect()
    {
        var spawned = Begin.AfterConnect(new ConnectResult.NotListening(NoSocket)).AfterSpawnLock(new SpawnLockState.HeldByUs())
            .AfterConnect(new ConnectResult.NotListening(NoSocket)).AfterSpawn(new SpawnedState.Alive(500));
        var exited = spawned.WithSpawned(new SpawnedState.Exited(500, Some(3)));
        Assert.IsType<ConnectOrStartStep.Connect>(Decide(exited));
        Assert.Equal(
            new ConnectOrStartStep.Fail(new ConnectOrStartFailure.DaemonExited(Some(3)), StopSpawned: false),
            Decide(exited.AfterConnect(new ConnectResult.NotListening(Stale))));
    }

    [Fact]
    public void A_started_daemon_that_never_answers_is_stopped_at_the_deadline()
    {
        var waiting = Begin.AfterConnect(new ConnectResult.NotListening(NoSocket)).AfterSpawnLock(new SpawnLockState.HeldByUs())
            .AfterConnect(new ConnectResult.NotListening(NoSocket)).AfterSpawn(new SpawnedState.Alive(500))
            .AfterConnect(new ConnectResult.NotListening(NoSocket));
        Assert.IsType<ConnectOrStartStep.WaitAndRetry>(Decide(waiting, Timeout - TimeSpan.FromSeconds(1)));
        Assert.Equal(new ConnectOrStartStep.Fail(new ConnectOrStartFailure.NotReadyInTime(), StopSpawned: true), Decide(waiting, Timeout));
    }

    [Fact]
    public void Waiting_for_another_starter_past_the_deadline_times_out_naming_the_last_failure()
    {
        var facts = Begin.AfterConnect(new ConnectResult.NotListening(Stale)).AfterSpawnLock(new SpawnLockState.HeldByOther(None));
        var step = Assert.IsType<ConnectOrStartStep.Fail>(Decide(facts, Timeout + TimeSpan.FromMilliseconds(1)));
        Assert.Equal(new ConnectOrStartFailure.TimedOut(Timeout, Some(Stale)), step.Reason);
        var error = Assert.IsType<DaemonConnectionError.ConnectionTimeoutError>(ConnectOrStart.ToError(step.Reason, "", "tool"));
        Assert.Equal(Some(Stale), error.LastFailure);
        Assert.Equal("start tool", error.What);
    }

    [Fact]
    public void An_endpoint_that_cannot_be_used_fails_at_once_with_its_own_error()
    {
        var step = Assert.IsType<ConnectOrStartStep.Fail>(Decide(Begin.AfterConnect(ConnectResult.Of(Denied))));
        Assert.Same(Denied, ConnectOrStart.ToError(step.Reason, "", "tool"));
    }

    [Fact]
    public void A_cancelled_request_error_is_classified_as_an_unusable_endpoint_rather_than_thrown_on()
    {
        DaemonConnectionError cancelled = new DaemonConnectionError.RequestCancelledError();

        var result = ConnectResult.Of(Left<DaemonConnectionError, Unit>(cancelled));

        Assert.Equal(new ConnectResult.Unusable(cancelled), result);
    }

    [Fact]
    public void The_wait_doubles_up_to_its_cap_and_never_passes_the_deadline()
    {
        var facts = Begin.AfterConnect(new ConnectResult.NotListening(NoSocket)).AfterSpawnLock(new SpawnLockState.HeldByOther(None));
        Assert.Equal(new ConnectOrStartStep.WaitAndRetry(TimeSpan.FromMilliseconds(20)), Decide(facts with { Waits = 1 }));
        Assert.Equal(new ConnectOrStartStep.WaitAndRetry(ConnectOrStart.MaxDelay), Decide(facts with { Waits = 1000 }));
        Assert.Equal(new ConnectOrStartStep.WaitAndRetry(TimeSpan.FromMilliseconds(3)), Decide(facts with { Waits = 1000 }, Timeout - TimeSpan.FromMilliseconds(3)));
    }

    [Fact]
    public void Errors_carry_the_exit_code_and_the_log_tail()
    {
        var exited = Assert.IsType<DaemonConnectionError.StartFailedError>(ConnectOrStart.ToError(new ConnectOrStartFailure.DaemonExited(Some(3)), "could not listen", "tool"));
        Assert.Equal((int?)(3), exited.ExitCode);
        Assert.Contains("could not listen", exited.Message, StringComparison.Ordinal);
        var late = Assert.IsType<DaemonConnectionError.StartFailedError>(ConnectOrStart.ToError(new ConnectOrStartFailure.NotReadyInTime(), "booting", "tool"));
        Assert.Contains("was stopped", late.LogTail, StringComparison.Ordinal);
        Assert.StartsWith("booting\n", late.LogTail, StringComparison.Ordinal);
        var spawn = Assert.IsType<DaemonConnectionError.StartFailedError>(ConnectOrStart.ToError(new ConnectOrStartFailure.SpawnFailed("no such file"), "", "tool"));
        Assert.Contains("no such file", spawn.Message, StringComparison.Ordinal);
        Assert.True(new ConnectOrStartFailure.DaemonExited(None).NeedsLogTail && !new ConnectOrStartFailure.SpawnFailed("x").NeedsLogTail);
    }

    [Fact]
    public void The_spawn_lock_is_the_daemon_lock_plus_spawn()
    {
        Assert.Equal("/run/user/1000/tool/daemon.lock.spawn", ConnectOrStart.SpawnLockPath("/run/user/1000/tool/daemon.lock"));
    }

    // ---- Properties over arbitrary facts ----

    private static Gen<DaemonConnectionError> ConnectErrors =>
        Gen.Elements(NoSocket, Stale, Denied, new DaemonConnectionError.ConnectionTimeoutError(10, "connect"), new DaemonConnectionError.ProtocolError("bad"));

    private static Gen<ConnectResult> ConnectResults =>
        Gen.OneOf(
            Gen.Elements<ConnectResult>(new ConnectResult.NotTried(), new ConnectResult.Connected()),
            ConnectErrors.Select(e => (ConnectResult)new ConnectResult.NotListening(e)),
            ConnectErrors.Select(e => (ConnectResult)new ConnectResult.TimedOut(e)),
            ConnectErrors.Select(e => (ConnectResult)new ConnectResult.Unusable(e)),
            ConnectErrors.Select(e => ConnectResult.Of(Left<DaemonConnectionError, Unit>(e))));

    private static Gen<SpawnLockState> SpawnLocks =>
        Gen.OneOf(
            Gen.Elements<SpawnLockState>(new SpawnLockState.NotTried(), new SpawnLockState.HeldByUs()),
            Generators.OptionOf(Gen.Choose(1, 9)).Select(p => (SpawnLockState)new SpawnLockState.HeldByOther(p)),
            Gen.Constant<SpawnLockState>(new SpawnLockState.Unusable(LockError.Io("/x", "broken"))));

    private static Gen<SpawnedState> Spawns =>
        Gen.OneOf(
            Gen.Constant<SpawnedState>(new SpawnedState.NotSpawned()),
            Gen.Choose(1, 9).Select(p => (SpawnedState)new SpawnedState.Alive(p)),
            Generators.OptionOf(Gen.Choose(0, 255)).Select(c => (SpawnedState)new SpawnedState.Exited(5, c)),
            Gen.Constant<SpawnedState>(new SpawnedState.SpawnFailed("ENOENT")));

    private static Gen<(ConnectOrStartFacts Facts, DateTimeOffset Now)> AnyFacts =>
        from connection in ConnectResults
        from spawnLock in SpawnLocks
        from spawned in Spawns
        from waits in Gen.Choose(0, 40)
        from timeoutMs in Gen.Choose(0, 60_000)
        from nowMs in Gen.Choose(-10, 70_000)
        from last in Generators.OptionOf(ConnectErrors)
        select (new ConnectOrStartFacts(connection, spawnLock, spawned, waits, last, T0 + TimeSpan.FromMilliseconds(timeoutMs), TimeSpan.FromMilliseconds(timeoutMs)),
                T0 + TimeSpan.FromMilliseconds(nowMs));

    [Property(MaxTest = 2000)]
    public Property The_decision_is_total_and_every_failure_is_a_typed_error() =>
        Prop.ForAll(Arb.From(AnyFacts), input =>
        {
            var step = ConnectOrStart.Decide(input.Facts, input.Now);
            return step switch
            {
                ConnectOrStartStep.Fail fail => ConnectOrStart.ToError(fail.Reason, "tail", "tool") is not null,
                ConnectOrStartStep.Connect or ConnectOrStartStep.AcquireSpawnLock or ConnectOrStartStep.Spawn
                    or ConnectOrStartStep.WaitAndRetry or ConnectOrStartStep.Done => true,
                _ => false,
            };
        });

    [Property(MaxTest = 2000)]
    public Property It_never_spawns_while_another_client_holds_the_election_and_never_spawns_twice() =>
        Prop.ForAll(Arb.From(AnyFacts), input =>
            ConnectOrStart.Decide(input.Facts, input.Now) is not ConnectOrStartStep.Spawn
            || (input.Facts.SpawnLock is SpawnLockState.HeldByUs or SpawnLockState.Unusable && input.Facts.Spawned is SpawnedState.NotSpawned));

    [Property(MaxTest = 2000)]
    public Property At_or_after_the_deadline_it_only_connects_finishes_or_fails() =>
        Prop.ForAll(Arb.From(AnyFacts), input =>
            input.Now < input.Facts.Deadline
            || ConnectOrStart.Decide(input.Facts, input.Now) is ConnectOrStartStep.Connect or ConnectOrStartStep.Done or ConnectOrStartStep.Fail);

    [Property(MaxTest = 2000)]
    public Property A_wait_is_positive_capped_and_ends_by_the_deadline() =>
        Prop.ForAll(Arb.From(AnyFacts), input =>
            ConnectOrStart.Decide(input.Facts, input.Now) is not ConnectOrStartStep.WaitAndRetry wait
            || (wait.Delay > TimeSpan.Zero && wait.Delay <= ConnectOrStart.MaxDelay && input.Now + wait.Delay <= input.Facts.Deadline));

    [Property(MaxTest = 2000)]
    public Property Done_only_after_a_connect_and_started_only_when_our_daemon_lives() =>
        Prop.ForAll(Arb.From(AnyFacts), input =>
            ConnectOrStart.Decide(input.Facts, input.Now) is not ConnectOrStartStep.Done done
            || (input.Facts.Connection is ConnectResult.Connected && done.Started == input.Facts.Spawned is SpawnedState.Alive));

    [Property(MaxTest = 2000)]
    public Property Only_a_started_daemon_that_lives_is_ever_stopped() =>
        Prop.ForAll(Arb.From(AnyFacts), input =>
            ConnectOrStart.Decide(input.Facts, input.Now) is not ConnectOrStartStep.Fail { StopSpawned: true }
            || input.Facts.Spawned is SpawnedState.Alive);

    // ---- Whole runs of the pure loop against a random world ----

    /// <summary>
    /// What the world answers, drawn afresh for each step: whether a connect succeeds, whether the election is free,
    /// whether the spawn works, whether our daemon is still alive. Time advances by each wait and by a little per step.
    /// </summary>
    private sealed record World(bool[] Connects, bool[] ElectionFree, bool SpawnWorks, bool[] DaemonSurvives, int StepMs, int TimeoutMs);

    private static Gen<World> Worlds =>
        from connects in Gen.ArrayOf(Gen.Frequency((1, Gen.Constant(true)), (6, Gen.Constant(false))), 400)
        from free in Gen.ArrayOf(Gen.Frequency((1, Gen.Constant(true)), (2, Gen.Constant(false))), 400)
        from spawnWorks in Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)))
        from survives in Gen.ArrayOf(Gen.Frequency((20, Gen.Constant(true)), (1, Gen.Constant(false))), 400)
        from stepMs in Gen.Choose(0, 50)
        from timeoutMs in Gen.Choose(0, 5_000)
        select new World(connects, free, spawnWorks, survives, stepMs, timeoutMs);

    [Property(MaxTest = 500)]
    public Property Every_run_ends_by_the_deadline_with_done_or_a_typed_error_and_spawns_at_most_once() =>
        Prop.ForAll(Arb.From(Worlds), world =>
        {
            var now = T0;
            var facts = ConnectOrStartFacts.Begin(now, TimeSpan.FromMilliseconds(world.TimeoutMs));
            var spawns = 0;
            for (var i = 0; i < 400 * 4; i++)
            {
                var draw = i % 400;
                if (facts.Spawned is SpawnedState.Alive alive && !world.DaemonSurvives[draw])
                    facts = facts.WithSpawned(new SpawnedState.Exited(alive.Pid, Some(1)));
                var step = ConnectOrStart.Decide(facts, now);
                switch (step)
                {
                    case ConnectOrStartStep.Done:
                    case ConnectOrStartStep.Fail:
                        // Past the deadline only by the few instantaneous steps that follow a decision made before it.
                        if (now > facts.Deadline + TimeSpan.FromMilliseconds(world.StepMs * 5))
                            return false.Label($"ended at {now - T0} after a deadline of {world.TimeoutMs} ms");
                        return (spawns <= 1).Label($"{spawns} spawns");
                    case ConnectOrStartStep.Connect:
                        facts = facts.AfterConnect(world.Connects[draw] ? new ConnectResult.Connected() : new ConnectResult.NotListening(NoSocket));
                        break;
                    case ConnectOrStartStep.AcquireSpawnLock:
                        facts = facts.AfterSpawnLock(world.ElectionFree[draw] ? new SpawnLockState.HeldByUs() : new SpawnLockState.HeldByOther(None));
                        break;
                    case ConnectOrStartStep.Spawn:
                        spawns++;
                        facts = facts.AfterSpawn(world.SpawnWorks ? new SpawnedState.Alive(9) : new SpawnedState.SpawnFailed("ENOENT"));
                        break;
                    case ConnectOrStartStep.WaitAndRetry wait:
                        if (now + wait.Delay > facts.Deadline)
                            return false.Label($"a wait of {wait.Delay} at {now - T0} passes the deadline");
                        now += wait.Delay;
                        facts = facts.AfterWait();
                        break;
                }

                now += TimeSpan.FromMilliseconds(world.StepMs);
            }

            return false.Label("the run did not end");
        });
}
