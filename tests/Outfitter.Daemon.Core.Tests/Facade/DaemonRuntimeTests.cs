using LanguageExt;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Outfitter.Daemon.Core.Lifecycle;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Testing;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>The daemon lifecycle shell over the test kit: PID file in the in-memory OS, fake signals, recorded exits, fake time.</summary>
public sealed class DaemonRuntimeTests
{
    private const string PidFile = "/run/user/1000/svc/daemon.pid";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly FakeOs _os = new();
    private readonly FakeSignals _signals = new();
    private readonly FakeProcessExit _exit = new();
    private readonly FakeTimeProvider _time = new();
    private readonly RecordingLogger _log = new();
    private readonly FakeOs.ProcessView _process;

    public DaemonRuntimeTests() => _process = _os.Start(Environment.ProcessId);

    private DaemonRuntime NewDaemon(TimeSpan? timeout = null, bool exitOnSignal = true, FakeOs.ProcessView? process = null)
    {
        var view = process ?? _process;
        var daemon = new DaemonRuntime(
            new DaemonOptions { Name = "svc", PidFile = PidFile, Logger = _log, ShutdownTimeout = timeout ?? TimeSpan.FromSeconds(5) },
            new DaemonLockService(view, view, view),
            _signals,
            view,
            _time);

        // As Daemon.Create composes it: exiting is a separate step attached after the runtime.
        if (exitOnSignal)
            DaemonExit.ExitOnSignal(daemon, _exit);
        return daemon;
    }

    [Fact]
    public async Task A_signal_only_requests_the_stop_the_handlers_run_after_it_returned_and_the_runtime_never_exits()
    {
        var daemon = NewDaemon(exitOnSignal: false);
        var ends = new List<RunEnd>();
        daemon.RunEnded += end => { lock (ends) ends.Add(end); };
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        daemon.OnShutdown(async _ => { entered.TrySetResult(); await release.Task; });
        Ok(await daemon.StartAsync());

        _signals.Raise(StopSignal.Terminate); // returns at once: the signal handler never waits for the stop

        await entered.Task.WaitAsync(Deadline);
        Assert.Equal(DaemonState.Stopping, daemon.State);
        Assert.Empty(ends);
        release.SetResult();
        Ok(await daemon.WaitForStopAsync().WaitAsync(Deadline));
        await WaitUntil(() => { lock (ends) return ends.Count == 1; });

        var stopped = Assert.IsType<RunEnd.Stopped>(Assert.Single(ends));
        Assert.Equal(StopSignal.Terminate, stopped.RequestedBy);
        Assert.True(stopped.Succeeded);
        Assert.Equal(Some(0), SignalPolicy.ExitCode(stopped));
        Assert.Empty(_exit.Codes);
    }

    [Fact]
    public async Task Request_stop_returns_at_once_and_its_run_ends_without_an_exit_code()
    {
        var daemon = NewDaemon();
        var ended = new TaskCompletionSource<RunEnd>(TaskCreationOptions.RunContinuationsAsynchronously);
        daemon.RunEnded += end => ended.TrySetResult(end);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        daemon.OnShutdown(_ => release.Task);
        Ok(await daemon.StartAsync());

        daemon.RequestStop();
        await WaitUntil(() => daemon.State == DaemonState.Stopping);
        Assert.False(ended.Task.IsCompleted);
        release.SetResult();

        var end = Assert.IsType<RunEnd.Stopped>(await ended.Task.WaitAsync(Deadline));
        Assert.Null(end.RequestedBy);
        Assert.True(SignalPolicy.ExitCode(end).IsNone);
        Assert.Equal(DaemonState.Stopped, daemon.State);
        Assert.Empty(_exit.Codes);
    }

    [Fact]
    public async Task Request_stop_when_not_running_does_nothing()
    {
        var daemon = NewDaemon();

        daemon.RequestStop();
        await Task.Delay(20);

        Assert.Equal(DaemonState.Stopped, daemon.State);
        Assert.Empty(_exit.Codes);
    }

    [Fact]
    public async Task Options_changed_after_construction_have_no_effect()
    {
        var options = new DaemonOptions { Name = "svc", PidFile = PidFile, ShutdownTimeout = TimeSpan.FromSeconds(5) };
        var daemon = new DaemonRuntime(options, new DaemonLockService(_process, _process, _process), _signals, _process, _time);

        options.Name = "renamed";
        options.PidFile = "/elsewhere/other.pid";
        options.HandleSignals = false;
        Ok(await daemon.StartAsync());

        Assert.Equal("svc", daemon.Name);
        Assert.True(_os.ReadFile(PidFile) is not null);
        Assert.Equal(1, _signals.SubscriberCount);
        Assert.Equal("renamed", options.Name); // and the daemon never wrote to them
        Assert.Equal("/elsewhere/other.pid", options.PidFile);
        Ok(await daemon.StopAsync());
    }

    [Fact]
    public async Task Start_writes_the_pid_file_creating_its_directory_and_ends_running()
    {
        var daemon = NewDaemon();

        Ok(await daemon.StartAsync());

        Assert.Equal(DaemonState.Running, daemon.State);
        Assert.True(daemon.IsRunning);
        Assert.True(_os.DirectoryExists("/run/user/1000/svc"));
        Assert.Equal(LockFileContent.Format(_process.Current), _os.ReadFile(PidFile));
        Assert.Equal(1, _signals.SubscriberCount);
    }

    [Fact]
    public async Task A_second_start_gives_already_running()
    {
        var daemon = NewDaemon();
        Ok(await daemon.StartAsync());

        var error = Error(await daemon.StartAsync());

        Assert.Equal(DaemonErrorCode.AlreadyRunning, error.Code);
        Assert.Equal("ALREADY_RUNNING", error.CodeName);
        Assert.Equal(DaemonState.Running, daemon.State);
    }

    [Fact]
    public async Task Another_live_process_owning_the_pid_file_gives_already_running_with_its_pid()
    {
        var other = _os.Start(4242);
        Ok(await NewDaemon(process: other).StartAsync());
        var daemon = NewDaemon();

        var error = Error(await daemon.StartAsync());

        Assert.Equal(DaemonErrorCode.AlreadyRunning, error.Code);
        Assert.Contains("PID 4242", error.Message, StringComparison.Ordinal);
        Assert.Equal(DaemonState.Stopped, daemon.State);
    }

    [Fact]
    public async Task A_crashed_owners_pid_file_is_reclaimed_and_does_not_block_the_start()
    {
        var crashed = _os.Start(4242);
        Ok(await NewDaemon(process: crashed).StartAsync());
        _os.Crash(4242);

        Ok(await NewDaemon().StartAsync());

        Assert.Contains(_log.Entries, e => e.EventId.Id == 2 && e.Message.Contains("reclaimed a stale PID file of PID 4242", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unwritable_pid_file_gives_pid_error_and_the_state_returns_to_stopped()
    {
        _process.FailWrites = "read-only file system";
        var daemon = NewDaemon();

        var error = Error(await daemon.StartAsync());

        Assert.Equal(DaemonErrorCode.PidError, error.Code);
        Assert.Contains("read-only file system", error.Message, StringComparison.Ordinal);
        Assert.Equal(DaemonState.Stopped, daemon.State);
        Assert.Equal(0, _signals.SubscriberCount);
    }

    [Fact]
    public async Task Stop_runs_handlers_in_registration_order_removes_the_pid_file_and_ends_stopped()
    {
        var daemon = NewDaemon();
        var order = new List<int>();
        daemon.OnShutdown(_ => { order.Add(1); return Task.CompletedTask; });
        daemon.OnShutdown(async _ => { await Task.Yield(); order.Add(2); });
        daemon.OnShutdown(_ => { order.Add(3); return Task.CompletedTask; });
        Ok(await daemon.StartAsync());

        Ok(await daemon.StopAsync());

        Assert.Equal([1, 2, 3], order);
        Assert.Equal(DaemonState.Stopped, daemon.State);
        Assert.False(daemon.IsRunning);
        Assert.True(_os.ReadFile(PidFile) is null);
        Assert.Equal(0, _signals.SubscriberCount);
        Assert.Empty(_exit.Codes);
    }

    [Fact]
    public async Task Stop_while_stopped_gives_not_running()
    {
        var error = Error(await NewDaemon().StopAsync());

        Assert.Equal(DaemonErrorCode.NotRunning, error.Code);
        Assert.Equal("NOT_RUNNING", error.CodeName);
    }

    [Fact]
    public async Task A_throwing_handler_is_logged_and_the_remaining_handlers_still_run()
    {
        var daemon = NewDaemon();
        var ran = new List<string>();
        daemon.OnShutdown(_ => throw new InvalidOperationException("sync boom"));
        daemon.OnShutdown(async _ => { await Task.Yield(); throw new InvalidOperationException("async boom"); });
        daemon.OnShutdown(_ => { ran.Add("last"); return Task.CompletedTask; });
        Ok(await daemon.StartAsync());

        Ok(await daemon.StopAsync());

        Assert.Equal(["last"], ran);
        var failures = _log.Entries.Where(e => e.EventId.Id == 6).ToList();
        Assert.Equal(2, failures.Count);
        Assert.Contains(failures, f => f.Message.Contains("sync boom", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Message.Contains("async boom", StringComparison.Ordinal));
        Assert.All(failures, f => Assert.Equal(LogLevel.Warning, f.Level));
    }

    [Fact]
    public async Task Handlers_that_exceed_the_timeout_give_shutdown_timeout_get_cancelled_and_the_daemon_still_stops()
    {
        var daemon = NewDaemon(timeout: TimeSpan.FromSeconds(2));
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var laterRan = false;
        daemon.OnShutdown(ct =>
        {
            ct.Register(() => cancelled.TrySetResult());
            entered.TrySetResult();
            return new TaskCompletionSource().Task; // ignores cancellation and never ends
        });
        daemon.OnShutdown(_ => { laterRan = true; return Task.CompletedTask; });
        Ok(await daemon.StartAsync());

        var stop = daemon.StopAsync();
        await entered.Task.WaitAsync(Deadline);
        Assert.False(stop.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(2));
        var error = Error(await stop.WaitAsync(Deadline));

        Assert.Equal(DaemonErrorCode.ShutdownTimeout, error.Code);
        Assert.Contains("2000ms", error.Message, StringComparison.Ordinal);
        await cancelled.Task.WaitAsync(Deadline);
        Assert.False(laterRan, "A handler whose turn comes after the budget ran out is skipped.");
        Assert.Equal(DaemonState.Stopped, daemon.State);
        Assert.True(_os.ReadFile(PidFile) is null);
    }

    [Fact]
    public async Task Concurrent_stops_run_the_handlers_exactly_once_and_all_see_the_same_result()
    {
        var daemon = NewDaemon();
        var runs = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        daemon.OnShutdown(async _ => { Interlocked.Increment(ref runs); await release.Task; });
        Ok(await daemon.StartAsync());

        // All callers join while the one handler is blocked: API callers and a signal.
        var stops = Enumerable.Range(0, 8).Select(_ => daemon.StopAsync()).ToList();
        _signals.Raise(StopSignal.Terminate);
        await WaitUntil(() => daemon.State == DaemonState.Stopping);
        Assert.All(stops, s => Assert.False(s.IsCompleted));
        release.SetResult();
        var results = await Task.WhenAll(stops).WaitAsync(Deadline);

        Assert.Equal(1, runs);
        Assert.All(results, r => Assert.True(r.IsSuccess));
        Assert.Equal(0, await _exit.Exited.WaitAsync(Deadline));
    }

    [Theory]
    [InlineData(StopSignal.Terminate)]
    [InlineData(StopSignal.Interrupt)]
    [InlineData(StopSignal.Quit)]
    public async Task A_stop_signal_stops_gracefully_then_exits_with_code_zero(StopSignal signal)
    {
        var daemon = NewDaemon();
        var handled = false;
        daemon.OnShutdown(_ => { handled = true; return Task.CompletedTask; });
        Ok(await daemon.StartAsync());

        _signals.Raise(signal);

        Assert.Equal(0, await _exit.Exited.WaitAsync(Deadline));
        Assert.True(handled);
        Assert.Equal(DaemonState.Stopped, daemon.State);
        Assert.True(_os.ReadFile(PidFile) is null);
        Ok(await daemon.WaitForStopAsync().WaitAsync(Deadline));
    }

    [Fact]
    public async Task A_signal_stop_that_times_out_exits_with_code_124()
    {
        var daemon = NewDaemon(timeout: TimeSpan.FromSeconds(1));
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        daemon.OnShutdown(_ => { entered.TrySetResult(); return new TaskCompletionSource().Task; });
        Ok(await daemon.StartAsync());

        _signals.Raise(StopSignal.Terminate);
        await entered.Task.WaitAsync(Deadline);
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(SignalPolicy.ShutdownTimeoutExitCode, await _exit.Exited.WaitAsync(Deadline));
    }

    [Fact]
    public async Task A_second_signal_during_shutdown_removes_the_pid_file_and_exits_at_once()
    {
        var daemon = NewDaemon(timeout: TimeSpan.FromMinutes(5));
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        daemon.OnShutdown(_ => { entered.TrySetResult(); return new TaskCompletionSource().Task; });
        Ok(await daemon.StartAsync());

        _signals.Raise(StopSignal.Terminate);
        await entered.Task.WaitAsync(Deadline);
        _signals.Raise(StopSignal.Interrupt);

        Assert.Equal(130, await _exit.Exited.WaitAsync(Deadline));
        Assert.True(_os.ReadFile(PidFile) is null);
        Assert.Contains(_log.Entries, e => e.EventId.Id == 9);
    }

    [Fact]
    public async Task Without_exit_on_signal_a_signal_only_stops_the_daemon()
    {
        var daemon = NewDaemon(exitOnSignal: false);
        Ok(await daemon.StartAsync());
        var stopped = daemon.WaitForStopAsync();

        _signals.Raise(StopSignal.Terminate);

        Ok(await stopped.WaitAsync(Deadline));
        Assert.Equal(DaemonState.Stopped, daemon.State);
        Assert.Empty(_exit.Codes);
    }

    [Fact]
    public async Task The_daemon_can_start_again_after_a_stop()
    {
        var daemon = NewDaemon();
        Ok(await daemon.StartAsync());
        Ok(await daemon.StopAsync());

        Ok(await daemon.StartAsync());

        Assert.True(daemon.IsRunning);
        Assert.True(_os.ReadFile(PidFile) is not null);
    }

    [Fact]
    public async Task Every_transition_and_the_lock_taken_and_released_are_logged_with_the_daemon_name_and_pid()
    {
        var daemon = NewDaemon();
        Ok(await daemon.StartAsync());
        Ok(await daemon.StopAsync());

        // One logger given: the lifecycle's events (1–11) and the lock's (40–44) both go to it.
        var ids = _log.Entries.Select(e => e.EventId.Id).ToList();
        Assert.Equal([1, 40, 2, 4, 43, 5], ids);
        Assert.All(_log.Entries, e =>
        {
            Assert.Equal("svc", e.Properties["Name"]);
            Assert.Equal(Environment.ProcessId, e.Properties["Pid"]);
        });
    }

    [Theory]
    [InlineData("", "/x.pid", 5, "Name")]
    [InlineData("svc", "", 5, "PidFile")]
    [InlineData("svc", "/x.pid", 0, "ShutdownTimeout")]
    [InlineData("svc", "/x.pid", -1, "ShutdownTimeout")]
    public void Invalid_options_are_rejected_with_a_message_that_says_what_to_fix(string name, string pidFile, int timeoutSeconds, string mentioned)
    {
        var options = new DaemonOptions { Name = name, PidFile = pidFile, ShutdownTimeout = TimeSpan.FromSeconds(timeoutSeconds) };

        var thrown = Assert.Throws<ArgumentException>(() => Daemon.Create(options));

        Assert.Contains(mentioned, thrown.Message, StringComparison.Ordinal);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (!condition())
            await Task.Delay(5, deadline.Token);
    }

    private static Done Ok(Result<Done, DaemonError> result) =>
        result.Match(u => u, e => throw new Xunit.Sdk.XunitException($"Expected success, got {e}"));

    private static DaemonError Error(Result<Done, DaemonError> result) =>
        result.Match(_ => throw new Xunit.Sdk.XunitException("Expected a DaemonError, got success"), e => e);
}
