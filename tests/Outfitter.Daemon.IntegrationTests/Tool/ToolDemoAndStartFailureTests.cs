using System.Text.RegularExpressions;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Tool;

/// <summary>The README's <c>demo</c>, and a daemon that dies while the tool waits for it to start.</summary>
[Collection(ToolTestBase.Collection)]
public sealed class ToolDemoAndStartFailureTests : ToolTestBase
{
    [Fact]
    public async Task Demo_passes_and_leaves_no_daemon_and_no_directory_behind()
    {
        var demo = ExpectExit(0, await Tool.RunAsync("demo"));
        Assert.Contains("Demo passed", demo.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("unexpected exit code", demo.Stdout, StringComparison.Ordinal);

        var name = Regex.Match(demo.Stdout, @"start --name (outfitter-demo-[0-9]+)").Groups[1].Value;
        Assert.True(name.Length > 0, $"The demo did not say which name it used.\n{demo}");
        await Signals.WaitUntilAsync(
            () => ProcessTable.WithArguments("--name", name).Count == 0,
            $"no process runs with --name {name} after the demo",
            ExitDeadline);
        Assert.Empty(Tool.ProcessesInThisRuntimeDir());
        Assert.Empty(Directory.GetDirectories(Tool.RuntimeDir));
    }

    [Fact]
    public async Task A_daemon_that_exits_while_starting_makes_start_exit_3_with_its_exit_code_and_log()
    {
        var name = NewName("dies");

        // The daemon takes its lock, then cannot create the socket's directory (nothing can be created in /proc) and
        // exits with 3 ("could not start"), right after launch.
        var socket = $"/proc/outfitter-test-{Guid.NewGuid().ToString("N")[..8]}/daemon.sock";
        var start = ExpectExit(3, await Tool.RunAsync("start", "--name", name, "--socket", socket, "--timeout", "30"));
        Assert.Contains($"Could not start {name}", start.Stderr, StringComparison.Ordinal);
        Assert.Contains("exited with code 3", start.Stderr, StringComparison.Ordinal);
        Assert.Contains("could not listen", start.Stderr, StringComparison.Ordinal);
        Assert.Contains($"Last lines of {Path.Combine(Tool.DaemonDir(name), "daemon.log")}", start.Stderr, StringComparison.Ordinal); // the structured log's tail too
        Assert.Contains("fail Outfitter.Daemon.Lifecycle[12 LogCouldNotListen]", start.Stderr, StringComparison.Ordinal);
        Assert.True(start.Elapsed < TimeSpan.FromSeconds(20), $"start waited {start.Elapsed} for a daemon that had exited.\n{start}");

        var json = ExpectExit(3, await Tool.RunAsync("start", "--name", name, "--socket", socket, "--json")).Json();
        Assert.False(json.GetProperty("ok").GetBoolean());
        Assert.Equal(3, json.GetProperty("exitCode").GetInt32());
        Assert.Contains("exited with code 3", json.GetProperty("error").GetString(), StringComparison.Ordinal);

        await Signals.WaitUntilAsync(() => RunningDaemons(name).Count == 0, $"no daemon runs for {name}", ExitDeadline);
        Assert.False(File.Exists(LockPath(name)), "The failed daemon left its lock file.");
        ExpectExit(2, await Tool.RunAsync("status", "--name", name));
    }
}
