using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Outfitter.Daemon.Hosting;
using Outfitter.Daemon.Testing;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>
/// The idle exit, leases and the process watch of a composed <see cref="DaemonHost"/> over the test kit's fakes, on fake
/// time: which activity resets the idle clock, what holds it, and that each stop takes the graceful path (lock and
/// socket gone). A decision is observed through the lifecycle log, written when the monitor decides (before the stop it
/// requests, inside the fake clock's advance), so "not stopped" is certain after each advance.
/// </summary>
public sealed class IdleExitTests : IAsyncDisposable
{
    private const int IdleEvent = 14;
    private const int ProcessExitedEvent = 15;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan T = TimeSpan.FromSeconds(10);
    private readonly RecordingLoggerProvider _log = new();
    private FakeMachine _machine = new();
    private ServiceProvider? _provider;

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    /// <summary>
    /// Moves the fake clock on by <paramref name="total"/> in steps of at most a second, the monitor's interval here:
    /// the fake runs a due timer once per advance (at the advance's end), so each step is one check, as on a real clock.
    /// Timer callbacks run inside the advance, so the monitor has decided when this returns.
    /// </summary>
    private void Advance(TimeSpan total)
    {
        for (var left = total; left > TimeSpan.Zero; left -= S(1))
            _machine.Time.Advance(left < S(1) ? left : S(1));
    }

    public async ValueTask DisposeAsync()
    {
        if (_provider is not null)
            await _provider.DisposeAsync();
    }

    private async Task<DaemonHost> StartAsync(Action<DaemonHostOptions> configure, Action<OutfitterDaemonBuilder>? routes = null)
    {
        var services = new ServiceCollection();
        _machine.AddTo(services);
        services.AddLogging(b => b.AddProvider(_log).SetMinimumLevel(LogLevel.Debug));
        var builder = services.AddOutfitterDaemon(o =>
        {
            o.Name = "svc";
            o.ExitOnSignal = false;
            configure(o);
        });
        routes?.Invoke(builder);
        _provider = services.BuildServiceProvider();
        var host = _provider.GetRequiredService<DaemonHost>();
        Assert.True((await host.StartAsync()).IsSuccess);
        return host;
    }

    private IpcClient ClientFor(DaemonHost host) =>
        new(host.SocketPath, new IpcClientOptions(), _machine.Transport, _provider!.GetRequiredService<DaemonLockService>());

    private static async Task<JsonElement> AskAsync(IpcClient client, string json) =>
        (await client.SendAsync(JsonDocument.Parse(json).RootElement)).Match(r => r, e => throw new Xunit.Sdk.XunitException(e.Message));

    private bool Decided(int eventId) => _log.Entries.Any(e => e.EventId.Id == eventId && e.Category == DaemonLogCategories.Lifecycle);

    private void AssertStillRunning(DaemonHost host, string when)
    {
        Assert.False(Decided(IdleEvent) || Decided(ProcessExitedEvent), $"{when}: the monitor decided to stop: {string.Join(" | ", _log.Entries.Select(e => e.Message))}");
        Assert.Equal(DaemonState.Running, host.State);
    }

    /// <summary>The stop the monitor requested completes on the graceful path: lock file and socket removed.</summary>
    private async Task AssertStoppedGracefullyAsync(DaemonHost host, int eventId)
    {
        Assert.True(Decided(eventId), $"The monitor did not decide to stop: {string.Join(" | ", _log.Entries.Select(e => e.Message))}");
        Assert.True((await host.WaitForStopAsync().WaitAsync(Deadline)).IsSuccess);
        Assert.Equal(DaemonState.Stopped, host.State);
        Assert.Null(_machine.Os.ReadFile(host.LockPath));
        Assert.False(_machine.Transport.Exists(host.SocketPath));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (!condition())
        {
            try
            {
                await Task.Delay(5, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }
        }
    }

    [Fact]
    public async Task An_idle_daemon_stops_after_the_timeout_on_the_graceful_path_and_not_before()
    {
        var host = await StartAsync(o => o.IdleTimeout = T);

        Advance(T - TimeSpan.FromMilliseconds(1));
        AssertStillRunning(host, "just before the timeout");

        Advance(TimeSpan.FromMilliseconds(1));
        await AssertStoppedGracefullyAsync(host, IdleEvent);
        Assert.Contains("idle for 10s (idle timeout 10s)", _log.Entries.Single(e => e.EventId.Id == IdleEvent).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_resets_the_idle_clock_and_a_silent_open_connection_does_not_hold_it()
    {
        var host = await StartAsync(o => o.IdleTimeout = T);
        Advance(S(6));
        await using var client = ClientFor(host);
        Assert.True((await client.ConnectAsync()).IsSuccess);
        Assert.True((await AskAsync(client, """{"type":"ping"}""")).GetProperty("pong").GetBoolean());

        // Seen at the next check (7 s): 12 s after the start, 6 s after the ping, still running.
        Advance(S(6));
        AssertStillRunning(host, "6 s after a ping");

        // The connection stays open and silent: it does not keep the daemon alive.
        Advance(S(6));
        await AssertStoppedGracefullyAsync(host, IdleEvent);
    }

    [Fact]
    public async Task A_request_in_flight_holds_the_idle_clock_and_its_reply_starts_it_again()
    {
        var reply = new TaskCompletionSource<IpcReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = await StartAsync(o => o.IdleTimeout = T, daemon => daemon.MapRequest("slow", _ => IpcResult.Pending(reply.Task)));
        await using var client = ClientFor(host);
        Assert.True((await client.ConnectAsync()).IsSuccess);
        var answer = AskAsync(client, """{"type":"slow"}""");
        await WaitUntilAsync(() => host.Server.Counters.InFlight == 1, "the slow request is in flight");

        Advance(S(60));
        AssertStillRunning(host, "a minute into a request in flight");

        reply.SetResult(IpcReply.FromJson("\"done\""u8.ToArray()));
        Assert.Equal("done", (await answer.WaitAsync(Deadline)).GetString());
        Advance(S(9));
        AssertStillRunning(host, "9 s after the reply");

        Advance(S(2));
        await AssertStoppedGracefullyAsync(host, IdleEvent);
    }

    [Fact]
    public async Task A_lease_holds_the_daemon_until_its_connection_closes_and_both_leases_of_one_connection_are_released()
    {
        var host = await StartAsync(o => o.IdleTimeout = T);
        var client = ClientFor(host);
        Assert.True((await client.ConnectAsync()).IsSuccess);
        var lease = await AskAsync(client, """{"type":"lease"}""");
        Assert.True(lease.GetProperty("lease").GetBoolean());
        Assert.Equal(10_000, lease.GetProperty("idleTimeoutMs").GetInt64());
        Assert.True((await AskAsync(client, """{"type":"lease"}""")).GetProperty("lease").GetBoolean());

        Advance(S(120));
        AssertStillRunning(host, "two minutes into a lease");

        await client.DisposeAsync();
        await WaitUntilAsync(() => host.Server.Counters.ActiveConnections == 0, "the lease's connection has closed");
        Advance(S(9));
        AssertStillRunning(host, "9 s after the lease's connection closed");

        Advance(S(2));
        await AssertStoppedGracefullyAsync(host, IdleEvent);
    }

    [Fact]
    public async Task Without_an_idle_timeout_the_daemon_never_stops_when_idle_and_a_lease_says_so()
    {
        var host = await StartAsync(_ => { });
        await using var client = ClientFor(host);
        Assert.True((await client.ConnectAsync()).IsSuccess);
        var lease = await AskAsync(client, """{"type":"lease"}""");

        Assert.Equal(JsonValueKind.Null, lease.GetProperty("idleTimeoutMs").ValueKind);
        Advance(TimeSpan.FromHours(1));
        AssertStillRunning(host, "an hour on");
    }

    [Fact]
    public async Task The_daemon_stops_when_the_watched_process_exits()
    {
        _machine.Os.Start(4000);
        var host = await StartAsync(o => o.ExitWithPid = 4000);

        Advance(S(30));
        AssertStillRunning(host, "while process 4000 runs");

        _machine.Os.Crash(4000);
        Advance(S(1));
        await AssertStoppedGracefullyAsync(host, ProcessExitedEvent);
        Assert.Contains("process 4000 has exited (it exited)", _log.Entries.Single(e => e.EventId.Id == ProcessExitedEvent).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reused_pid_is_not_the_watched_process()
    {
        _machine.Os.Start(4000);
        var host = await StartAsync(o => o.ExitWithPid = 4000);

        _machine.Os.Crash(4000);
        _machine.Os.Start(4000); // the PID is taken again at once, by a process with another start time
        Advance(S(1));

        await AssertStoppedGracefullyAsync(host, ProcessExitedEvent);
        Assert.Contains("its PID now names another process", _log.Entries.Single(e => e.EventId.Id == ProcessExitedEvent).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_process_that_is_not_running_when_the_daemon_starts_stops_it_at_the_first_check()
    {
        var host = await StartAsync(o => o.ExitWithPid = 4999);

        Advance(S(1));

        await AssertStoppedGracefullyAsync(host, ProcessExitedEvent);
    }

    [Fact]
    public async Task With_ExitWithParent_the_daemon_stops_when_its_parent_exits()
    {
        _machine = FakeMachine.ChildOf(parentPid: 3000);
        var host = await StartAsync(o => o.ExitWithParent = true);

        Advance(S(30));
        AssertStillRunning(host, "while the parent runs");

        _machine.Os.Crash(3000); // the daemon is re-parented to PID 1
        Advance(S(1));

        await AssertStoppedGracefullyAsync(host, ProcessExitedEvent);
        Assert.Contains("parent process 3000 has exited", _log.Entries.Single(e => e.EventId.Id == ProcessExitedEvent).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lease_does_not_hold_a_daemon_whose_watched_process_has_exited()
    {
        _machine.Os.Start(4000);
        var host = await StartAsync(o =>
        {
            o.IdleTimeout = T;
            o.ExitWithPid = 4000;
        });
        await using var client = ClientFor(host);
        Assert.True((await client.ConnectAsync()).IsSuccess);
        await AskAsync(client, """{"type":"lease"}""");

        _machine.Os.Crash(4000);
        Advance(S(1));

        await AssertStoppedGracefullyAsync(host, ProcessExitedEvent);
    }

    [Fact]
    public void The_options_bind_from_configuration_and_invalid_ones_are_reported()
    {
        var services = new ServiceCollection();
        _machine.AddTo(services);
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Outfitter:Daemon:IdleTimeout"] = "00:15:00",
            ["Outfitter:Daemon:ExitWithParent"] = "true",
            ["Outfitter:Daemon:ExitWithPid"] = "42",
        }).Build());
        services.AddOutfitterDaemon();
        using (var provider = services.BuildServiceProvider())
        {
            var options = provider.GetRequiredService<IOptions<DaemonHostOptions>>().Value;
            Assert.Equal(TimeSpan.FromMinutes(15), options.IdleTimeout);
            Assert.True(options.ExitWithParent);
            Assert.Equal(42, options.ExitWithPid);
        }

        var invalid = new ServiceCollection();
        _machine.AddTo(invalid);
        invalid.AddOutfitterDaemon(o =>
        {
            o.IdleTimeout = TimeSpan.Zero;
            o.ExitWithPid = -1;
        });
        using var bad = invalid.BuildServiceProvider();
        var thrown = Assert.Throws<OptionsValidationException>(() => bad.GetRequiredService<DaemonHost>());
        Assert.Contains(thrown.Failures, f => f.StartsWith("Outfitter:Daemon: IdleTimeout", StringComparison.Ordinal));
        Assert.Contains(thrown.Failures, f => f.StartsWith("Outfitter:Daemon: ExitWithPid", StringComparison.Ordinal));
    }
}
