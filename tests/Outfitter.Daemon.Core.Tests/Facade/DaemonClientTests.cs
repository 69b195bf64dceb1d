using LanguageExt;
using Outfitter.Daemon.Core.Clients;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Core.Tests.Clients;
using Outfitter.Daemon.Functional;
using Outfitter.Daemon.Testing;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>The connect-or-start interpreter over the test kit's fakes: each outcome of the decision, carried out through the ports.</summary>
public sealed class DaemonClientTests
{
    private const string Socket = FakeMachine.RuntimeDir + "/tool/daemon.sock";
    private const string LockPath = FakeMachine.RuntimeDir + "/tool/daemon.lock";
    private const string Log = FakeMachine.RuntimeDir + "/tool/daemon.log";
    private static readonly DaemonStartInfo Start = new("/usr/bin/tool", ["run", "--name", "tool"])
    {
        Environment = new Dictionary<string, string?> { ["A"] = "1", ["B"] = null },
    };

    private readonly FakeMachine _machine = new(pid: 1000);
    private readonly SimulatedClock _clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private DaemonPorts Ports => _machine.Ports with { Time = _clock };

    /// <summary>Runs one call, moving the simulated clock whenever the call waits.</summary>
    private Either<DaemonConnectionError, (IpcClient Client, bool Started)> Call(string name = "tool", TimeSpan? timeout = null)
    {
        var call = Task.Run(() => DaemonClient.ConnectOrStartAsync(Ports, name, Start, new ConnectOrStartOptions { StartTimeout = timeout ?? TimeSpan.FromSeconds(5) }));
        while (!call.IsCompleted)
        {
            Assert.True(SpinWait.SpinUntil(() => call.IsCompleted || _clock.Pending > 0, TimeSpan.FromSeconds(20)), "the call neither finishes nor waits");
            _clock.FireNext();
        }

        return call.Result.ToEither();
    }

    private void ListensWhenStarted() =>
        _machine.Launcher.OnStart = context =>
        {
            Assert.True(new DaemonLockService(context.Process, context.Process, context.Process).Acquire(LockPath).IsSuccess);
            Assert.True(_machine.Transport.Listen(Socket, 16).IsSucc);
            return null;
        };

    [Fact]
    public void A_running_daemon_is_connected_to_and_nothing_is_started()
    {
        Assert.True(_machine.Transport.Listen(Socket, 16).IsSucc);

        var (client, started) = Call().Match(c => c, e => throw new Xunit.Sdk.XunitException(e.ToString()));

        Assert.False(started);
        Assert.True(client.IsConnected);
        client.Close();
        Assert.Empty(_machine.Launcher.Spawns);
    }

    [Fact]
    public void No_daemon_starts_one_detached_as_described_and_connects_to_it()
    {
        ListensWhenStarted();

        var (client, started) = Call().Match(c => c, e => throw new Xunit.Sdk.XunitException(e.ToString()));

        Assert.True(started);
        Assert.True(client.IsConnected);
        client.Close();
        var spawn = Assert.Single(_machine.Launcher.Spawns);
        Assert.Equal(new DaemonLaunch("/usr/bin/tool", Seq("run", "--name", "tool"), None, Seq(("A", Some("1")), ("B", Option<string>.None)), Log), spawn.Launch);
        Assert.True(_machine.Os.ReadFile(ConnectOrStart.SpawnLockPath(LockPath)).IsNone, "the election's file outlived the start");
    }

    [Fact]
    public void A_daemon_that_exits_while_starting_gives_its_exit_code_and_log()
    {
        _machine.Launcher.OnStart = context =>
        {
            context.Launcher.AppendLog(context.Launch.LogPath, "fatal: could not listen");
            return 3;
        };

        var error = Assert.IsType<DaemonConnectionError.StartFailedError>(Call().Match(_ => null!, e => e));

        Assert.Equal((int?)(3), error.ExitCode);
        Assert.Equal("fatal: could not listen", error.LogTail);
        Assert.Single(_machine.Launcher.Spawns);
    }

    [Fact]
    public void A_program_that_cannot_be_spawned_is_a_start_failure_not_an_exception()
    {
        _machine.Launcher.FailSpawn = _ => Some("no such file or directory");

        var error = Assert.IsType<DaemonConnectionError.StartFailedError>(Call().Match(_ => null!, e => e));

        Assert.Contains("no such file or directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_daemon_that_never_answers_is_killed_at_the_deadline_and_only_it()
    {
        _machine.Launcher.OnStart = _ => null; // runs, never listens

        var error = Assert.IsType<DaemonConnectionError.StartFailedError>(Call(timeout: TimeSpan.FromSeconds(3)).Match(_ => null!, e => e));

        Assert.Contains("was stopped", error.LogTail, StringComparison.Ordinal);
        var spawned = Assert.Single(_machine.Launcher.Spawns).Process;
        Assert.Equal([spawned], _machine.Launcher.Killed);
        Assert.False(_machine.Os.IsRunning(spawned.Pid));
        Assert.True(_clock.GetUtcNow() >= new DateTimeOffset(2026, 1, 1, 0, 0, 3, TimeSpan.Zero), "it gave up before the deadline");
    }

    [Fact]
    public void While_another_client_holds_the_election_and_nothing_starts_it_times_out_without_spawning()
    {
        var other = _machine.Os.Start(2000);
        Assert.True(new DaemonLockService(other, other, other).Acquire(ConnectOrStart.SpawnLockPath(LockPath)).IsSuccess);

        var error = Assert.IsType<DaemonConnectionError.ConnectionTimeoutError>(Call(timeout: TimeSpan.FromSeconds(2)).Match(_ => null!, e => e));

        Assert.Equal(2000, error.TimeoutMs);
        Assert.NotNull(error.LastFailure);
        Assert.Empty(_machine.Launcher.Spawns);
    }

    [Fact]
    public async Task When_the_elected_client_dies_a_waiting_one_takes_over_the_election()
    {
        var other = _machine.Os.Start(2000);
        Assert.True(new DaemonLockService(other, other, other).Acquire(ConnectOrStart.SpawnLockPath(LockPath)).IsSuccess);
        ListensWhenStarted();
        var call = Task.Run(() => DaemonClient.ConnectOrStartAsync(Ports, "tool", Start, new ConnectOrStartOptions { StartTimeout = TimeSpan.FromSeconds(5) }));
        Assert.True(SpinWait.SpinUntil(() => _clock.Pending > 0, TimeSpan.FromSeconds(20)), "the client does not wait for the other starter");

        _machine.Os.Crash(2000); // the elected client crashes: the kernel drops its lock
        while (!call.IsCompleted)
        {
            Assert.True(SpinWait.SpinUntil(() => call.IsCompleted || _clock.Pending > 0, TimeSpan.FromSeconds(20)), "the call neither finishes nor waits");
            _clock.FireNext();
        }

        var (client, started) = (await call).Match(c => c, e => throw new Xunit.Sdk.XunitException(e.ToString()));
        client.Close();
        Assert.True(started);
        Assert.Single(_machine.Launcher.Spawns);
    }

    [Fact]
    public void An_invalid_name_is_a_value_not_an_exception()
    {
        Assert.IsType<DaemonConnectionError.ProtocolError>(Call(name: "../etc").Match(_ => null!, e => e));
    }
}
