using System.Globalization;
using System.Text.Json;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Tool;

/// <summary>
/// The tool as a user runs it: real <c>outfitter-daemon</c> processes starting a real detached daemon, talking to it,
/// and stopping it, checked by exit code, by what they print (for people and with <c>--json</c>) and by the process table.
/// </summary>
[Collection(ToolTestBase.Collection)]
public sealed class ToolLifecycleTests : ToolTestBase
{
    private const string EchoRequest = """{"type":"echo","data":{"n":42,"text":"héllo ✓"}}""";

    [Fact]
    public async Task Start_status_health_ping_send_stop_work_and_say_so_in_human_output()
    {
        var name = NewName("life");

        var start = ExpectExit(0, await Tool.RunAsync("start", "--name", name));
        var pid = ParsePid(Field(start, "pid"));
        Assert.Contains($"Started {name} (PID {pid}).", start.Stdout, StringComparison.Ordinal);
        Assert.Equal("yes", Field(start, "started"));
        Assert.Equal(SocketPath(name), Field(start, "socket"));
        Assert.False(ProcessTable.IsGone(pid), $"start reported PID {pid}, which is not running.\n{start}");
        Assert.Equal(new[] { pid }, RunningDaemons(name));
        Assert.Contains(pid, Tool.ProcessesInThisRuntimeDir()); // the detached daemon kept our runtime dir (and cleanup sees it)

        var status = ExpectExit(0, await Tool.RunAsync("status", "--name", name));
        Assert.Equal(name, Field(status, "name"));
        Assert.Equal(pid.ToString(CultureInfo.InvariantCulture), Field(status, "pid"));
        Assert.Equal("running", Field(status, "state"));
        Assert.Matches("^[0-9]+$", Field(status, "uptime"));
        Assert.NotEmpty(Field(status, "version"));
        Assert.Equal(SocketPath(name), Field(status, "socket"));
        Assert.Equal(LockPath(name), Field(status, "lock"));

        var health = ExpectExit(0, await Tool.RunAsync("health", "--name", name));
        Assert.Equal("healthy", health.Stdout.Split('\n')[0].Trim());

        var ping = ExpectExit(0, await Tool.RunAsync("ping", "--name", name));
        Assert.Equal("yes", Field(ping, "pong"));
        Assert.True(double.Parse(Field(ping, "roundTripMicroseconds"), CultureInfo.InvariantCulture) > 0, ping.ToString());

        var echo = ExpectExit(0, await Tool.RunAsync("send", EchoRequest, "--name", name));
        AssertEchoed(echo.Json());

        var stop = ExpectExit(0, await Tool.RunAsync("stop", "--name", name));
        Assert.Contains($"Stopped {name} (shutdown request).", stop.Stdout, StringComparison.Ordinal);
        Assert.Equal("yes", Field(stop, "wasRunning"));

        await AssertStoppedAsync(name, pid);
        var statusAfter = ExpectExit(2, await Tool.RunAsync("status", "--name", name));
        Assert.Contains($"{name} is not running", statusAfter.Stderr, StringComparison.Ordinal);
        Assert.Contains($"outfitter-daemon start --name {name}", statusAfter.Stderr, StringComparison.Ordinal);
        var pingAfter = ExpectExit(2, await Tool.RunAsync("ping", "--name", name));
        Assert.Contains("not running", pingAfter.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_status_health_ping_send_stop_give_the_documented_json()
    {
        var name = NewName("json");

        var start = ExpectExit(0, await Tool.RunAsync("start", "--name", name, "--json")).Json();
        var pid = start.GetProperty("pid").GetInt32();
        Assert.True(pid > 0, start.ToString());
        Assert.True(start.GetProperty("started").GetBoolean());
        Assert.Equal(name, start.GetProperty("name").GetString());
        Assert.Equal(SocketPath(name), start.GetProperty("socket").GetString());
        Assert.False(ProcessTable.IsGone(pid));

        var status = ExpectExit(0, await Tool.RunAsync("status", "--name", name, "--json")).Json();
        Assert.Equal(name, status.GetProperty("name").GetString());
        Assert.Equal(pid, status.GetProperty("pid").GetInt32());
        Assert.Equal("running", status.GetProperty("state").GetString());
        Assert.True(status.GetProperty("uptime").GetInt64() >= 0, status.ToString());
        Assert.False(string.IsNullOrWhiteSpace(status.GetProperty("version").GetString()), status.ToString());
        Assert.Equal(SocketPath(name), status.GetProperty("socket").GetString());
        Assert.Equal(LockPath(name), status.GetProperty("lock").GetString());

        var health = ExpectExit(0, await Tool.RunAsync("health", "--name", name, "--json")).Json();
        Assert.True(health.GetProperty("healthy").GetBoolean());
        Assert.Equal(JsonValueKind.Object, health.GetProperty("checks").ValueKind);

        var ping = ExpectExit(0, await Tool.RunAsync("ping", "--name", name, "--json")).Json();
        Assert.True(ping.GetProperty("pong").GetBoolean());

        AssertEchoed(ExpectExit(0, await Tool.RunAsync("send", EchoRequest, "--name", name, "--json")).Json());

        var stop = ExpectExit(0, await Tool.RunAsync("stop", "--name", name, "--json")).Json();
        Assert.True(stop.GetProperty("stopped").GetBoolean());
        Assert.True(stop.GetProperty("wasRunning").GetBoolean());
        Assert.Equal(pid, stop.GetProperty("pid").GetInt32());

        await AssertStoppedAsync(name, pid);
        var statusAfter = ExpectExit(2, await Tool.RunAsync("status", "--name", name, "--json"));
        var failure = statusAfter.Json();
        Assert.False(failure.GetProperty("ok").GetBoolean());
        Assert.Equal(2, failure.GetProperty("exitCode").GetInt32());
        Assert.Contains("not running", failure.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_while_running_exits_0_and_names_the_running_daemon()
    {
        var name = NewName("again");
        var pid = await StartAsync(name);

        var again = ExpectExit(0, await Tool.RunAsync("start", "--name", name));
        Assert.Contains($"{name} is already running (PID {pid}).", again.Stdout, StringComparison.Ordinal);
        Assert.Equal("no", Field(again, "started"));

        var againJson = ExpectExit(0, await Tool.RunAsync("start", "--name", name, "--json")).Json();
        Assert.False(againJson.GetProperty("started").GetBoolean());
        Assert.Equal(pid, againJson.GetProperty("pid").GetInt32());

        Assert.Equal(new[] { pid }, RunningDaemons(name));
        await StopAsync(name, pid);
    }

    [Fact]
    public async Task Stop_when_not_running_exits_0_and_says_it_was_not_running()
    {
        var name = NewName("idle");

        var stop = ExpectExit(0, await Tool.RunAsync("stop", "--name", name));
        Assert.Contains($"{name} was not running.", stop.Stdout, StringComparison.Ordinal);

        var json = ExpectExit(0, await Tool.RunAsync("stop", "--name", name, "--json")).Json();
        Assert.True(json.GetProperty("stopped").GetBoolean());
        Assert.False(json.GetProperty("wasRunning").GetBoolean());
    }

    [Fact]
    public async Task After_kill_9_status_says_not_running_at_once_and_start_recovers_with_a_new_daemon()
    {
        var name = NewName("crash");
        await StartAsync(name);
        var pid = ExpectExit(0, await Tool.RunAsync("status", "--name", name, "--json")).Json().GetProperty("pid").GetInt32();

        Signals.Send(pid, Signals.SIGKILL);
        await WaitUntilGoneAsync(pid);
        Assert.True(File.Exists(LockPath(name)), "The killed daemon's lock file should still be there (it could not clean up).");

        var status = ExpectExit(2, await Tool.RunAsync("status", "--name", name));
        Assert.Contains($"{name} is not running", status.Stderr, StringComparison.Ordinal);
        Assert.Contains($"PID {pid}", status.Stderr, StringComparison.Ordinal);
        Assert.True(status.Elapsed < TimeSpan.FromSeconds(10), $"status took {status.Elapsed} with a stale socket.\n{status}");

        var restart = ExpectExit(0, await Tool.RunAsync("start", "--name", name));
        var newPid = ParsePid(Field(restart, "pid"));
        Assert.Equal("yes", Field(restart, "started"));
        Assert.NotEqual(pid, newPid);

        var statusAgain = ExpectExit(0, await Tool.RunAsync("status", "--name", name, "--json")).Json();
        Assert.Equal(newPid, statusAgain.GetProperty("pid").GetInt32());
        Assert.Equal("running", statusAgain.GetProperty("state").GetString());
        Assert.Equal(new[] { newPid }, RunningDaemons(name));

        await StopAsync(name, newPid);
        Assert.False(File.Exists(LockPath(name)));
    }

    [Fact]
    public async Task After_kill_9_stop_says_it_was_not_running_and_removes_the_stale_lock_file()
    {
        var name = NewName("stale");
        var pid = await StartAsync(name);
        Signals.Send(pid, Signals.SIGKILL);
        await WaitUntilGoneAsync(pid);
        Assert.True(File.Exists(LockPath(name)));

        var stop = ExpectExit(0, await Tool.RunAsync("stop", "--name", name));
        Assert.Contains($"{name} was not running.", stop.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(LockPath(name)), $"stop left the dead daemon's lock file.\n{stop}");
    }

    [Fact]
    public async Task Health_exits_0_when_healthy_and_2_when_not_running()
    {
        var name = NewName("probe");

        var before = ExpectExit(2, await Tool.RunAsync("health", "--name", name));
        Assert.Contains($"{name} is not running", before.Stderr, StringComparison.Ordinal);

        var pid = await StartAsync(name);
        var healthy = ExpectExit(0, await Tool.RunAsync("health", "--name", name));
        Assert.StartsWith("healthy", healthy.Stdout, StringComparison.Ordinal);
        Assert.True(ExpectExit(0, await Tool.RunAsync("health", "--name", name, "--json")).Json().GetProperty("healthy").GetBoolean());
        await StopAsync(name, pid);

        var after = ExpectExit(2, await Tool.RunAsync("health", "--name", name, "--json"));
        Assert.Equal(2, after.Json().GetProperty("exitCode").GetInt32());
        Assert.Contains("not running", after.Stderr, StringComparison.Ordinal);
    }

    private static void AssertEchoed(JsonElement reply)
    {
        Assert.Equal(42, reply.GetProperty("n").GetInt32());
        Assert.Equal("héllo ✓", reply.GetProperty("text").GetString());
    }

    private async Task AssertStoppedAsync(string name, int pid)
    {
        await WaitUntilGoneAsync(pid);
        Assert.False(File.Exists(LockPath(name)), $"The lock file {LockPath(name)} is still there after stop.");
        Assert.Empty(RunningDaemons(name));
    }
}
