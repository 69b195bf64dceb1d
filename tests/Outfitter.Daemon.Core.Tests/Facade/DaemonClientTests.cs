using System.Collections.Concurrent;
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

    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly FakeMachine _machine = new(pid: 1000);
    private readonly SimulatedClock _clock = new(T0);

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

    /// <summary>Options whose client retries its connects for a minute, far longer than the start timeout of two seconds.</summary>
    private static ConnectOrStartOptions LongConnectTimeout() =>
        new() { StartTimeout = TimeSpan.FromSeconds(2), Client = new IpcClientOptions { ConnectTimeout = TimeSpan.FromMinutes(1) } };

    private Task<Result<(IpcClient Client, bool Started), DaemonConnectionError>> Begin(ConnectOrStartOptions options, DaemonPorts? ports = null, CancellationToken cancellationToken = default)
    {
        var over = ports ?? Ports;
        return Task.Run(() => DaemonClient.ConnectOrStartAsync(over, "tool", Start, options, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Moves the simulated clock from timer to timer, but never past <paramref name="limit"/>, and requires the call to
    /// end without it: a call that still waits for a later timer has overrun its deadline.
    /// </summary>
    private void FireNoLaterThan(Task call, DateTimeOffset limit)
    {
        while (!call.IsCompleted)
        {
            Assert.True(SpinWait.SpinUntil(() => call.IsCompleted || _clock.Pending > 0, TimeSpan.FromSeconds(20)), "the call neither finishes nor waits");
            if (!_clock.FireNextNoLaterThan(limit) && _clock.Pending > 0)
                break;
        }

        Assert.True(SpinWait.SpinUntil(() => call.IsCompleted, TimeSpan.FromSeconds(10)), $"the call did not end by {limit:O}: it waits for a later timer");
    }

    /// <summary>
    /// Moves the simulated clock one timer per connect attempt, once the client waits after it (it armed a timer since),
    /// so the client's retries run one by one; stops when the call ends or <paramref name="until"/> holds.
    /// </summary>
    private void FireOnePerAttempt(Task call, RecordingTransport transport, Func<bool>? until = null)
    {
        var firedFor = 0;
        while (!call.IsCompleted && !(until?.Invoke() ?? false))
        {
            Assert.True(
                SpinWait.SpinUntil(() => call.IsCompleted || (transport.Count > firedFor && _clock.Armings > transport.ArmingsAtLastAttempt), TimeSpan.FromSeconds(20)),
                "the call neither finishes nor waits after a connect attempt");
            if (call.IsCompleted)
                break;
            firedFor = transport.Count;
            _clock.FireNext();
        }
    }

    private void ListensWhenStarted() =>
        _machine.Launcher.OnStart = context =>
        {
            Assert.True(new DaemonLockService(context.Process, context.Process, context.Process).Acquire(LockPath).IsSuccess);
            Assert.True(_machine.Transport.AsTransport().Listen(Socket, 16).IsSucc);
            return null;
        };

    [Fact]
    public void A_running_daemon_is_connected_to_and_nothing_is_started()
    {
        Assert.True(_machine.Transport.AsTransport().Listen(Socket, 16).IsSucc);

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
        Assert.True(_machine.Os.ReadFile(ConnectOrStart.SpawnLockPath(LockPath)) is null, "the election's file outlived the start");
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
        _machine.Launcher.FailSpawn = _ => "no such file or directory";

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

    [Fact]
    public async Task A_connect_timeout_longer_than_the_start_timeout_ends_with_the_timeout_error_at_the_deadline()
    {
        var call = Begin(LongConnectTimeout()); // nothing listens: the client's own retries would go on for a minute

        FireNoLaterThan(call, T0 + TimeSpan.FromSeconds(2));

        var error = Assert.IsType<DaemonConnectionError.ConnectionTimeoutError>((await call).ToEither().Match(_ => null!, e => e));
        Assert.Equal(2000, error.TimeoutMs);
        Assert.NotNull(error.LastFailure);
        Assert.Equal(T0 + TimeSpan.FromSeconds(2), _clock.GetUtcNow());
    }

    [Fact]
    public async Task Retries_under_a_connect_timeout_longer_than_the_start_timeout_stop_at_the_deadline()
    {
        var transport = new RecordingTransport(_machine.Transport, _clock);
        var call = Begin(LongConnectTimeout(), Ports with { Transport = transport });

        FireOnePerAttempt(call, transport);

        Assert.IsType<DaemonConnectionError.ConnectionTimeoutError>((await call).ToEither().Match(_ => null!, e => e));
        Assert.True(transport.Count > 1, "the client did not retry");
        Assert.All(transport.Attempts, at => Assert.True(at <= T0 + TimeSpan.FromSeconds(2), $"a connect was attempted at {at:O}, after the deadline"));
        Assert.Equal(0, _clock.Pending); // nothing keeps retrying after the call
    }

    [Fact]
    public async Task The_callers_cancellation_of_a_bounded_connect_still_cancels()
    {
        var transport = new RecordingTransport(_machine.Transport, _clock);
        using var cancel = new CancellationTokenSource();
        var call = Begin(LongConnectTimeout(), Ports with { Transport = transport }, cancel.Token);
        FireOnePerAttempt(call, transport, until: () => _clock.GetUtcNow() >= T0 + TimeSpan.FromSeconds(1));
        Assert.False(call.IsCompleted, "the call ended before it was cancelled");

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.True(_clock.GetUtcNow() < T0 + TimeSpan.FromSeconds(2), "cancelled only at the deadline");
        Assert.Equal(0, _clock.Pending);
    }

    [Fact]
    public async Task The_client_it_builds_waits_on_the_ports_clock_and_the_callers_options_are_unchanged()
    {
        var listener = _machine.Transport.AsTransport().Listen(Socket, 16).Match(l => l, e => throw new Xunit.Sdk.XunitException(e.ToString()));
        var clientOptions = new IpcClientOptions { ConnectTimeout = TimeSpan.FromMinutes(30) };
        var options = new ConnectOrStartOptions { StartTimeout = TimeSpan.FromSeconds(5), Client = clientOptions };
        var (client, started) = (await Begin(options).WaitAsync(TimeSpan.FromSeconds(20))).ToEither().Match(c => c, e => throw new Xunit.Sdk.XunitException(e.ToString()));
        Assert.False(started);
        Assert.Same(clientOptions, options.Client);
        Assert.Null(clientOptions.TimeProvider);

        // The daemon goes away; the client's 30-minute connect retries pass on the ports' simulated clock.
        client.Close();
        await listener.DisposeAsync();
        var reconnect = client.ConnectAsync();
        while (!reconnect.IsCompleted)
        {
            Assert.True(SpinWait.SpinUntil(() => reconnect.IsCompleted || _clock.Pending > 0, TimeSpan.FromSeconds(5)), "the client's retries do not wait on the ports' clock");
            _clock.FireNext();
        }

        var error = Assert.IsType<DaemonConnectionError.ConnectionTimeoutError>((await reconnect).ToEither().Match(_ => null!, e => e));
        Assert.Equal(30 * 60 * 1000, error.TimeoutMs);
        Assert.True(_clock.GetUtcNow() >= T0 + TimeSpan.FromMinutes(30), "the client gave up before its connect timeout on the ports' clock");
        Assert.Null(clientOptions.TimeProvider);
    }

    /// <summary>The fake machine's transport, recording when (on the simulated clock) each connect is attempted.</summary>
    private sealed class RecordingTransport(IIpcTransport inner, SimulatedClock clock) : IIpcTransport
    {
        private readonly ConcurrentQueue<DateTimeOffset> _attempts = new();
        private long _armingsAtLastAttempt;

        /// <summary>When each connect was attempted.</summary>
        public IReadOnlyCollection<DateTimeOffset> Attempts => _attempts;

        public int Count => _attempts.Count;

        /// <summary>The clock's <see cref="SimulatedClock.Armings"/> at the latest attempt: a timer armed since means the client waits.</summary>
        public long ArmingsAtLastAttempt => Interlocked.Read(ref _armingsAtLastAttempt);

        public ValueTask<Either<ConnectFailure, IIpcStream>> ConnectAsync(string endpoint, CancellationToken cancellationToken)
        {
            Interlocked.Exchange(ref _armingsAtLastAttempt, clock.Armings);
            _attempts.Enqueue(clock.GetUtcNow());
            return inner.ConnectAsync(endpoint, cancellationToken);
        }

        public ValueTask<EndpointProbe> ProbeAsync(string endpoint, CancellationToken cancellationToken) => inner.ProbeAsync(endpoint, cancellationToken);

        public Fin<Unit> RemoveStale(string endpoint) => inner.RemoveStale(endpoint);

        public Fin<IIpcListener> Listen(string endpoint, int backlog) => inner.Listen(endpoint, backlog);

        public Fin<IIpcListener> Adopt(string endpoint, int fd) => inner.Adopt(endpoint, fd);

        public Option<DescriptorUse> Descriptors() => inner.Descriptors();
    }
}
