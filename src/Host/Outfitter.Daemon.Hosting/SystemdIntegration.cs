using LanguageExt;
using Microsoft.Extensions.Logging;
using Outfitter.Daemon.Core.Health;
using Outfitter.Daemon.Core.Lifecycle;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Core.Systemd;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Hosting;

/// <summary>
/// The shell of the systemd integration: reads the variables once, asks <see cref="SystemdDecisions"/> what to do, and
/// sends the datagrams: <c>READY=1</c> once the IPC server accepts, <c>STATUS=</c> on every transition and health change
/// (healthy, degraded, unhealthy), <c>WATCHDOG=1</c> at half the interval while healthy (degraded counts as healthy unless
/// <see cref="SystemdOptions.DegradedIsHealthy"/> is false), <c>STOPPING=1</c> and <c>EXTEND_TIMEOUT_USEC</c> during shutdown.
/// Without <c>$NOTIFY_SOCKET</c> it sends nothing and costs nothing. Under the Generic Host's systemd lifetime
/// (<c>UseSystemd()</c>), which sends READY and STOPPING itself, it sends neither (<see cref="SystemdSettings.HostNotifies"/>).
/// </summary>
internal sealed partial class SystemdIntegration : IAsyncDisposable
{
    private readonly SystemdSettings _options;
    private readonly int _pid;
    private readonly ISystemdNotifySocket _notifier;
    private readonly IHealthChecker _health;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SystemdFacts _facts;
    private readonly Option<NotifyAddress> _target;
    private readonly ISystemdEnvironment _environment;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _extendDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _loop = Task.CompletedTask;
    private Task _extending = Task.CompletedTask;
    private Option<CheckStatus> _lastStatus;

    internal SystemdIntegration(SystemdSettings options, ISystemdEnvironment environment, ISystemdNotifySocket notifier, IHealthChecker health, TimeProvider time, int selfPid, ILogger logger)
    {
        _options = options;
        _pid = selfPid;
        _notifier = notifier;
        _health = health;
        _time = time;
        _logger = logger;
        _facts = options.Enabled ? environment.Observe() : SystemdFacts.None;
        _target = SystemdDecisions.NotifyTarget(_facts);
        _environment = environment;
    }

    /// <summary>The inherited listening socket to adopt, if systemd passed one; the variables are cleared for children.</summary>
    internal Option<int> TakeListenFd(string daemonName)
    {
        var fd = SystemdDecisions.ListenFd(_facts, _pid, _options.ListenFdName ?? daemonName);
        if (fd.IsSome)
            _environment.ClearListenVariables();
        return fd;
    }

    /// <summary>Start-up began.</summary>
    internal void Starting() => Send(SystemdDecisions.Status(SystemdDecisions.StatusLine(DaemonState.Starting, None)));

    /// <summary>The daemon runs and accepts connections: READY, then the watchdog and health loop.</summary>
    internal void Ready()
    {
        if (_target.IsNone)
            return;
        var running = SystemdDecisions.StatusLine(DaemonState.Running, None);
        Send(_options.HostNotifies ? SystemdDecisions.Status(running) : SystemdDecisions.Ready(_pid, running));
        var watchdog = SystemdDecisions.WatchdogInterval(_facts, _pid);
        _target.IfSome(target => LogNotifying(target.Address, watchdog.Match(w => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"every {w.TotalSeconds:0.###} s ({_options.Watchdog})"), () => "off"), _options.HostNotifies));
        _loop = Task.Run(() => LoopAsync(watchdog, _stopping.Token));
    }

    /// <summary>Shutdown began: STOPPING, then EXTEND_TIMEOUT_USEC while the handlers are within their budget.</summary>
    internal void Stopping(TimeSpan budget)
    {
        if (_target.IsNone)
            return;
        _stopping.Cancel();
        var stopping = SystemdDecisions.StatusLine(DaemonState.Stopping, None);
        Send(_options.HostNotifies ? SystemdDecisions.Status(stopping) : SystemdDecisions.Stopping(stopping));
        _extending = Task.Run(() => ExtendAsync(budget));
    }

    /// <summary>Stopped: the last status.</summary>
    internal async Task StoppedAsync()
    {
        if (_target.IsNone)
            return;
        _stopping.Cancel();
        _extendDone.TrySetResult();
        await _extending.ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        Send(SystemdDecisions.Status(SystemdDecisions.StatusLine(DaemonState.Stopped, None)));
    }

    private async Task ExtendAsync(TimeSpan budget)
    {
        var began = _time.GetTimestamp();
        var every = SystemdDecisions.ExtendEvery(budget);
        while (!_extendDone.Task.IsCompleted)
        {
            var remaining = budget - _time.GetElapsedTime(began);
            if (remaining <= TimeSpan.Zero)
                return; // past the budget we no longer ask for time: the daemon is exiting by then
            Send(SystemdDecisions.ExtendTimeout(remaining));
            await Task.WhenAny(_extendDone.Task, Task.Delay(every, _time)).ConfigureAwait(false);
        }
    }

    private async Task LoopAsync(Option<TimeSpan> watchdog, CancellationToken stopping)
    {
        var interval = SystemdDecisions.TimerInterval(watchdog.IfNone(_options.StatusInterval));
        using var timer = new PeriodicTimer(interval, _time);
        try
        {
            do
            {
                var feed = watchdog.IsSome;
                if (feed && _options.Watchdog == WatchdogMode.Always)
                {
                    Send(SystemdDecisions.Watchdog);
                    continue;
                }

                // Every check, ours and those bridged from AddHealthChecks(), is in this one status.
                var status = await _health.CheckAsync(stopping).ConfigureAwait(false);
                if (_lastStatus != Some(status.Status))
                {
                    _lastStatus = status.Status;
                    Send(SystemdDecisions.Status(SystemdDecisions.StatusLine(DaemonState.Running, Some(status))));
                }

                var healthy = HealthAggregation.CountsAsHealthy(status.Status, _options.DegradedIsHealthy);
                if (feed && SystemdDecisions.ShouldFeedWatchdog(_options.Watchdog, healthy))
                    Send(SystemdDecisions.Watchdog);
            }
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // Shutdown began.
        }
    }

    private void Send(string message)
    {
        _target.IfSome(target =>
        {
            if (!_notifier.Notify(target, message))
                LogNotifyFailed(target.Address, message.Split('\n')[0]);
            else if (_logger.IsEnabled(LogLevel.Debug))
                LogNotified(message.ReplaceLineEndings(" "));
        });
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _extendDone.TrySetResult();
        await _loop.ConfigureAwait(false);
        await _extending.ConfigureAwait(false);
    }

    [LoggerMessage(30, LogLevel.Warning, "Could not notify systemd at {Socket}: {Message}")]
    private partial void LogNotifyFailed(string socket, string message);

    [LoggerMessage(61, LogLevel.Information, "Notifying systemd at {Socket}; watchdog {Watchdog}; the host's lifetime sends READY/STOPPING: {HostNotifies}")]
    private partial void LogNotifying(string socket, string watchdog, bool hostNotifies);

    [LoggerMessage(62, LogLevel.Debug, "Told systemd: {Message}")]
    private partial void LogNotified(string message);
}
