using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Tool;

/// <summary>
/// <c>--idle-timeout</c>, <c>--exit-with-pid</c> and leases through the real tool: a foreground <c>run</c> and a detached
/// daemon that <c>start</c> launched stop by themselves on the graceful path (exit 0, lock and socket files removed), a
/// raw socket client's lease keeps a daemon alive while its connection is open, and bad values are usage errors.
/// </summary>
[Collection(ToolTestBase.Collection)]
public sealed class ToolIdleExitTests : ToolTestBase
{
    private static string Ready(string socket) => $"READY {socket}";

    private void AssertFilesGone(string name)
    {
        Assert.False(File.Exists(LockPath(name)), $"{LockPath(name)} is still there.");
        Assert.False(File.Exists(SocketPath(name)), $"{SocketPath(name)} is still there.");
    }

    [Fact]
    public async Task Run_with_an_idle_timeout_exits_0_by_itself_and_removes_its_pid_and_socket_files()
    {
        var name = NewName("idle-run");
        using var daemon = Tool.StartDotnet(Artifacts.ToolDll, "run", "--name", name, "--idle-timeout", "2s");
        Assert.Equal(Ready(SocketPath(name)), await daemon.NextLineAsync());
        Assert.True(File.Exists(LockPath(name)) && File.Exists(SocketPath(name)));

        Assert.Equal(0, await daemon.WaitForExitAsync());
        AssertFilesGone(name);
    }

    [Fact]
    public async Task Start_with_an_idle_timeout_leaves_a_daemon_that_goes_away_by_itself_and_says_why_in_its_log()
    {
        var name = NewName("idle-start");
        var started = ExpectExit(0, await Tool.RunAsync("start", "--name", name, "--idle-timeout", "2s", "--json")).Json();
        var pid = started.GetProperty("pid").GetInt32();
        Assert.Contains("--idle-timeout", ProcessTable.Arguments(pid));

        await WaitUntilGoneAsync(pid);

        var status = ExpectExit(2, await Tool.RunAsync("status", "--name", name));
        Assert.Contains($"{name} is not running", status.Stderr, StringComparison.Ordinal);
        AssertFilesGone(name);
        var log = ExpectExit(0, await Tool.RunAsync("logs", "--name", name, "-n", "50"));
        Assert.Contains("(idle timeout 2s): no connection, request or lease; stopping", log.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_with_exit_with_pid_exits_0_when_that_process_exits()
    {
        var name = NewName("pid-run");
        using var watched = ChildProcess.Start("sleep", "600");
        using var daemon = Tool.StartDotnet(Artifacts.ToolDll, "run", "--name", name, "--exit-with-pid", watched.Pid.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(Ready(SocketPath(name)), await daemon.NextLineAsync());
        ExpectExit(0, await Tool.RunAsync("ping", "--name", name)); // it runs while the watched process does

        await watched.KillAsync();

        Assert.Equal(0, await daemon.WaitForExitAsync());
        AssertFilesGone(name);
    }

    [Fact]
    public async Task Start_hands_exit_with_pid_and_idle_timeout_to_the_daemon_it_launches()
    {
        var name = NewName("pid-start");
        using var watched = ChildProcess.Start("sleep", "600");
        var watchedPid = watched.Pid.ToString(CultureInfo.InvariantCulture);
        var pid = ExpectExit(0, await Tool.RunAsync("start", "--name", name, "--exit-with-pid", watchedPid, "--idle-timeout", "15m", "--json")).Json().GetProperty("pid").GetInt32();
        var arguments = ProcessTable.Arguments(pid);
        Assert.Contains(watchedPid, arguments);
        Assert.Contains("15m", arguments);

        await watched.KillAsync();

        await WaitUntilGoneAsync(pid);
        ExpectExit(2, await Tool.RunAsync("status", "--name", name));
        AssertFilesGone(name);
    }

    [Fact]
    public async Task A_lease_keeps_an_idle_daemon_alive_while_its_connection_is_open_and_it_exits_after_the_connection_closes()
    {
        var name = NewName("lease");
        var timeout = TimeSpan.FromSeconds(1);
        using var daemon = Tool.StartDotnet(Artifacts.ToolDll, "run", "--name", name, "--idle-timeout", "1s");
        Assert.Equal(Ready(SocketPath(name)), await daemon.NextLineAsync());

        var holder = await RawClient.ConnectAsync(SocketPath(name));
        await holder.SendAsync("""{"id":"1","type":"request","payload":{"type":"lease"}}""" + "\n");
        using (var reply = JsonDocument.Parse(await holder.ReadLineAsync() ?? throw new InvalidOperationException("The connection closed before the lease's reply.")))
        {
            Assert.Equal("response", reply.RootElement.GetProperty("type").GetString());
            Assert.True(reply.RootElement.GetProperty("payload").GetProperty("lease").GetBoolean());
            Assert.Equal(1000, reply.RootElement.GetProperty("payload").GetProperty("idleTimeoutMs").GetInt64());
        }

        // A wait, not a timing assertion: for three idle timeouts, the daemon must not exit while the lease is held.
        var held = Stopwatch.StartNew();
        await Signals.WaitUntilAsync(() => daemon.Process.HasExited || held.Elapsed >= 3 * timeout, "three idle timeouts have passed or the daemon has exited");
        Assert.False(daemon.Process.HasExited, $"The daemon exited while a lease was held. stderr: {daemon.Stderr}");
        await holder.SendAsync("""{"id":"2","type":"request","payload":{"type":"ping"}}""" + "\n");
        Assert.Contains("\"pong\":true", await holder.ReadLineAsync(), StringComparison.Ordinal);

        holder.Dispose();

        Assert.Equal(0, await daemon.WaitForExitAsync());
        AssertFilesGone(name);
    }

    [Theory]
    [InlineData("--idle-timeout takes a duration such as 15m, 30s, 2s or 500ms (got \"soon\": not a duration)", "--idle-timeout", "soon")]
    [InlineData("(got \"0s\": zero)", "--idle-timeout", "0s")]
    [InlineData("(got \"-5s\": negative)", "--idle-timeout", "-5s")]
    [InlineData("(got \"400d\": more than 365d)", "--idle-timeout", "400d")]
    [InlineData("--exit-with-pid takes the PID of a process, e.g. --exit-with-pid 4242 (got \"abc\")", "--exit-with-pid", "abc")]
    [InlineData("(got \"0\")", "--exit-with-pid", "0")]
    [InlineData("--idle-timeout needs a value", "--idle-timeout")]
    public async Task A_bad_idle_timeout_or_pid_is_a_usage_error_for_run_and_start_with_json_when_asked(string message, params string[] option)
    {
        var name = NewName("bad-idle");

        var run = ExpectExit(64, await Tool.RunAsync(["run", "--name", name, .. option]));
        Assert.Contains(message, run.Stderr, StringComparison.Ordinal);
        var start = ExpectExit(64, await Tool.RunAsync(["start", "--name", name, .. option, "--json"])).Json();
        Assert.Equal(64, start.GetProperty("exitCode").GetInt32());
        Assert.Contains(message, start.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(Tool.ProcessesInThisRuntimeDir());
    }

    [Fact]
    public async Task Run_and_start_help_list_the_idle_timeout_and_exit_with_pid()
    {
        foreach (var command in new[] { "run", "start" })
        {
            var help = ExpectExit(0, await Tool.RunAsync(command, "--help"));
            Assert.Contains("--idle-timeout DURATION", help.Stdout, StringComparison.Ordinal);
            Assert.Contains("--exit-with-pid PID", help.Stdout, StringComparison.Ordinal);
        }
    }
}
