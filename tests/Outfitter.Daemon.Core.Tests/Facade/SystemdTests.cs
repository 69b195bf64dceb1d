using LanguageExt;
using LanguageExt.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Outfitter.Daemon.Core.Lifecycle;
using Outfitter.Daemon.Core.Paths;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Core.Systemd;
using Outfitter.Daemon.Hosting;
using Outfitter.Daemon.Testing;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>The systemd integration over fakes: what is sent, in which order, and when, on fake time.</summary>
public sealed class SystemdTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly FakeMachine _machine = new();
    private volatile bool _healthy = true;
    private int _checks;

    private DaemonHost NewHost(Action<DaemonHostOptions>? configure = null)
    {
        var services = new ServiceCollection();
        _machine.AddTo(services);
        services.AddOutfitterDaemon(o =>
            {
                o.Name = "svc";
                o.ExitOnSignal = false;
                configure?.Invoke(o);
            })
            .AddHealthCheck("flag", _ =>
            {
                Interlocked.Increment(ref _checks);
                return Task.FromResult(_healthy ? CheckVerdict.Healthy : CheckVerdict.Unhealthy("flag is down"));
            });
        return services.BuildServiceProvider().GetRequiredService<DaemonHost>();
    }

    private void Notify(string? watchdogUsec = null, string? watchdogPid = null)
    {
        _machine.Systemd.NotifySocket = "@test-notify";
        _machine.Systemd.WatchdogUsec = watchdogUsec;
        _machine.Systemd.WatchdogPid = watchdogPid;
    }

    private async Task WaitForMessage(Func<string, bool> match, string what)
    {
        using var cts = new CancellationTokenSource(Deadline);
        try
        {
            while (!_machine.Systemd.Messages.Any(match))
                await Task.Delay(5, cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Waited in vain for {what}; sent: {string.Join(" | ", _machine.Systemd.Messages).ReplaceLineEndings(" ")}");
        }
    }

    [Fact]
    public async Task Without_notify_socket_nothing_is_sent()
    {
        await using var host = NewHost();

        Assert.True((await host.StartAsync()).IsSuccess);
        Assert.True((await host.StopAsync()).IsSuccess);

        Assert.Empty(_machine.Systemd.Messages);
    }

    [Fact]
    public async Task Ready_comes_once_the_ipc_server_accepts_and_names_the_main_pid()
    {
        Notify();
        await using var host = NewHost();

        Assert.True((await host.StartAsync()).IsSuccess);

        Assert.Equal("STATUS=starting", _machine.Systemd.Messages[0]);
        var ready = _machine.Systemd.Messages[1];
        Assert.StartsWith("READY=1\n", ready, StringComparison.Ordinal);
        Assert.Contains($"MAINPID={Environment.ProcessId}", ready, StringComparison.Ordinal);
        Assert.Contains("STATUS=running", ready, StringComparison.Ordinal);
        Assert.True(_machine.Transport.Exists(host.SocketPath), "READY must not come before the socket accepts.");
    }

    [Fact]
    public async Task Shutdown_sends_stopping_then_extends_the_timeout_within_the_budget_then_a_final_status()
    {
        Notify();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = NewHost(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        host.OnShutdown(async _ => await release.Task);
        Assert.True((await host.StartAsync()).IsSuccess);

        var stopping = host.StopAsync();
        await WaitForMessage(m => m.StartsWith("EXTEND_TIMEOUT_USEC=", StringComparison.Ordinal), "the first extension");
        _machine.Time.Advance(TimeSpan.FromSeconds(1));
        await WaitForMessage(m => m == "EXTEND_TIMEOUT_USEC=30000000", "an extension one second later");
        release.SetResult();
        Assert.True((await stopping.WaitAsync(Deadline)).IsSuccess);
        await WaitForMessage(m => m == "STATUS=stopped", "the final status");

        var messages = _machine.Systemd.Messages;
        var stop = messages.ToList().FindIndex(m => m.StartsWith("STOPPING=1", StringComparison.Ordinal));
        Assert.True(stop > 0, "STOPPING after READY");
        Assert.Equal("EXTEND_TIMEOUT_USEC=31000000", messages[stop + 1]);
        Assert.Equal("STATUS=stopped", messages[^1]);
    }

    [Fact]
    public async Task The_watchdog_is_fed_at_half_the_interval_only_while_healthy_and_status_names_the_failed_check()
    {
        Notify(watchdogUsec: "2000000");
        await using var host = NewHost();
        int Fed() => _machine.Systemd.Messages.Count(m => m == SystemdDecisions.Watchdog);

        // Each tick runs the health checks once, then feeds (or not); the next tick's check proves the last tick is done.
        Assert.True((await host.StartAsync()).IsSuccess);
        await WaitUntil(() => Fed() == 1, "the first keep-alive");
        await Tick(2);
        await WaitUntil(() => Fed() == 2, "a keep-alive after half the interval (1 s of 2 s)");

        _healthy = false;
        await Tick(3);
        await WaitUntil(() => _machine.Systemd.Messages.Contains("STATUS=running; unhealthy: flag: flag is down"), "a status naming the failed check");
        await Tick(4);
        Assert.Equal(2, Fed());

        _healthy = true;
        await Tick(5);
        await WaitUntil(() => Fed() == 3, "keep-alives resume after recovery");
        Assert.Equal("STATUS=running; healthy (1 check)", _machine.Systemd.Messages.Last(m => m.StartsWith("STATUS=", StringComparison.Ordinal)));
    }

    private async Task Tick(int checksAfter)
    {
        _machine.Time.Advance(TimeSpan.FromSeconds(1));
        await WaitUntil(() => Volatile.Read(ref _checks) >= checksAfter, $"health check #{checksAfter}");
    }

    private async Task WaitUntil(Func<bool> condition, string what) => await WaitForMessage(_ => condition(), what);

    [Fact]
    public async Task A_watchdog_meant_for_another_process_is_ignored()
    {
        Notify(watchdogUsec: "2000000", watchdogPid: "1");
        await using var host = NewHost();

        Assert.True((await host.StartAsync()).IsSuccess);
        await WaitForMessage(m => m.StartsWith("STATUS=running; healthy", StringComparison.Ordinal), "the first health status");

        Assert.DoesNotContain(SystemdDecisions.Watchdog, _machine.Systemd.Messages);
    }

    [Fact]
    public async Task Under_socket_activation_the_server_adopts_the_passed_socket_and_clears_the_variables()
    {
        _machine.Systemd.ListenPid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _machine.Systemd.ListenFds = "1";
        await using var host = NewHost();

        Assert.True((await host.StartAsync()).IsSuccess);

        Assert.True(_machine.Systemd.ListenVariablesCleared);
        Assert.True(_machine.Transport.Exists(host.SocketPath));
        await host.StopAsync();
    }
}
