using System.Globalization;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.IntegrationTests.Locking;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.IntegrationTests.Tool;

/// <summary>
/// The tool against daemons that accept connections but never answer (SIGSTOPped), and against lock files naming a
/// process that is not the daemon: timeouts are reported as timeouts, <c>stop --timeout</c> is a budget, and nothing but
/// the verified lock holder is ever signalled.
/// </summary>
[Collection(ToolTestBase.Collection)]
public sealed class ToolTimeoutAndStopTests : ToolTestBase
{
    private const int SIGSTOP = 19;
    private const int SIGCONT = 18;

    /// <summary>
    /// Generous, as it includes the tool's own start-up on a loaded 2-core machine (seconds, when the lock races run
    /// alongside); the old behaviour took 30 s per command plus that start-up.
    /// </summary>
    private static readonly TimeSpan WellBeforeThirtySeconds = TimeSpan.FromSeconds(25);

    [Fact]
    public async Task Ping_status_and_health_against_a_stopped_daemon_report_a_timeout_with_its_own_exit_code()
    {
        var name = NewName("hung");
        var pid = await StartAsync(name);
        Signals.Send(pid, SIGSTOP);

        foreach (var command in new[] { "ping", "status", "health" })
        {
            var result = ExpectExit(4, await Tool.RunAsync(command, "--name", name, "--timeout", "1"));
            Assert.Contains($"no reply within 1 s from PID {pid} at {SocketPath(name)}", result.Stderr, StringComparison.Ordinal);
            Assert.Contains("accepts connections but does not answer", result.Stderr, StringComparison.Ordinal);
            Assert.Contains($"outfitter-daemon stop --force --name {name}", result.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Outfitter daemon?", result.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("not running", result.Stderr, StringComparison.Ordinal);
            Assert.True(result.Elapsed < WellBeforeThirtySeconds, $"{command} took {result.Elapsed}.\n{result}");
        }

        var json = ExpectExit(4, await Tool.RunAsync("health", "--name", name, "--timeout", "0.5", "--json")).Json();
        Assert.Equal(4, json.GetProperty("exitCode").GetInt32());
        Assert.Contains("no reply within 0.5 s", json.GetProperty("error").GetString(), StringComparison.Ordinal);

        Signals.Send(pid, SIGCONT);
        await StopAsync(name, pid);
    }

    [Fact]
    public async Task Stop_force_kills_a_stopped_daemon_within_its_budget_and_cleans_up()
    {
        var name = NewName("kill");
        var pid = await StartAsync(name);
        Signals.Send(pid, SIGSTOP);

        var stop = ExpectExit(0, await Tool.RunAsync("stop", "--name", name, "--force", "--timeout", "2", "--json"));

        var json = stop.Json();
        Assert.Equal("SIGTERM then SIGKILL", json.GetProperty("how").GetString());
        Assert.Equal(pid, json.GetProperty("pid").GetInt32());

        // One budget, measured inside the tool from the moment stop begins: the shutdown request got at most half of it
        // (the old stop waited a fixed 5 s for that reply alone), and SIGKILL went once the budget was spent, not
        // before. Nothing here says how fast: on a starved 2-core machine (load 18 seen) the steps before the request
        // alone can use up the whole 2 s (then the request gets 0 ms, and that is right), and any step may take
        // seconds. Only the overall deadline bounds it, generous as everywhere in this class.
        var askTimeout = TimeSpan.FromMilliseconds(json.GetProperty("askTimeoutMs").GetInt64());
        var killedAt = TimeSpan.FromMilliseconds(json.GetProperty("killedAtMs").GetInt64());
        var elapsed = TimeSpan.FromMilliseconds(json.GetProperty("elapsedMs").GetInt64());
        Assert.True(askTimeout >= TimeSpan.Zero && askTimeout <= TimeSpan.FromSeconds(1), $"The shutdown request got {askTimeout} of the 2 s budget; at most half.\n{stop}");
        Assert.True(killedAt >= TimeSpan.FromSeconds(2), $"SIGKILL went {killedAt} after stop started, before its 2 s budget was spent.\n{stop}");
        Assert.True(killedAt <= elapsed, $"SIGKILL went at {killedAt}, after stop says it finished ({elapsed}).\n{stop}");
        Assert.True(stop.Elapsed < WellBeforeThirtySeconds, $"stop --force --timeout 2 took {stop.Elapsed}.\n{stop}");
        await WaitUntilGoneAsync(pid);
        Assert.False(File.Exists(LockPath(name)), $"stop left the killed daemon's lock file.\n{stop}");
        Assert.Empty(RunningDaemons(name));
    }

    [Fact]
    public async Task Stop_without_force_gives_up_at_its_deadline_having_sent_SIGTERM_to_the_daemon_only()
    {
        var name = NewName("term");
        var pid = await StartAsync(name);
        Signals.Send(pid, SIGSTOP);

        var stop = ExpectExit(1, await Tool.RunAsync("stop", "--name", name, "--timeout", "1"));
        Assert.Contains($"{name} (PID {pid}) is still running 1 s after the SIGTERM", stop.Stderr, StringComparison.Ordinal);
        Assert.True(stop.Elapsed < WellBeforeThirtySeconds, stop.ToString());
        Assert.False(ProcessTable.IsGone(pid));

        // The SIGTERM is pending on the stopped daemon: once it runs again, it stops gracefully and removes its lock file.
        Signals.Send(pid, SIGCONT);
        await WaitUntilGoneAsync(pid);
        await Signals.WaitUntilAsync(() => !File.Exists(LockPath(name)), "the daemon removed its lock file", ExitDeadline);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Stop_never_signals_a_live_unrelated_process_named_by_a_lock_file_nobody_locks(bool force)
    {
        var name = NewName("foreign");
        using var sleep = ChildProcess.Start("sleep", "300");
        Directory.CreateDirectory(Tool.DaemonDir(name));
        var identity = new ProcessIdentity(sleep.Pid, (ulong?)ulong.Parse(LockingTests.ProcStartTime(sleep.Pid), CultureInfo.InvariantCulture));
        File.WriteAllText(LockPath(name), LockFileContent.Format(identity));

        var stop = ExpectExit(1, await Tool.RunAsync(force ? ["stop", "--name", name, "--force", "--timeout", "2"] : ["stop", "--name", name, "--timeout", "2"]));

        Assert.Contains("no signal was sent", stop.Stderr, StringComparison.Ordinal);
        Assert.Contains($"nobody holds the kernel lock, so the process the lock file names (PID {sleep.Pid}) is not the daemon", stop.Stderr, StringComparison.Ordinal);
        Assert.False(sleep.Process.WaitForExit(300), $"stop signalled the unrelated sleep.\n{stop}");
        Assert.True(File.Exists(LockPath(name)), "A file naming a live process without a kernel lock is not ours to delete.");
    }
}
