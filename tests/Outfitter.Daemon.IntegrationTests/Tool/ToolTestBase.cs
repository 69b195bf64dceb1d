using System.Globalization;
using System.Text.RegularExpressions;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Tool;

/// <summary>
/// Shared set-up of the tool's end-to-end tests: every test gets its own runtime directory (a fresh
/// <c>XDG_RUNTIME_DIR</c> for every process it starts) and unique daemon names; disposing kills whatever is still
/// running there, daemons included.
/// </summary>
public abstract class ToolTestBase : IAsyncLifetime
{
    /// <summary>
    /// The tool's test classes share one collection, so they run one after another: each starts many .NET processes, and
    /// on a small machine running them side by side only makes every one of them slower (the race most of all).
    /// </summary>
    public const string Collection = "outfitter-daemon tool, end to end";

    /// <summary>How long a stopped or killed daemon may take to disappear from the process table.</summary>
    protected static readonly TimeSpan ExitDeadline = TimeSpan.FromSeconds(15);

    /// <summary>The tool, run in this test's private runtime directory.</summary>
    protected ToolRunner Tool { get; } = new();

    /// <inheritdoc />
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public async Task DisposeAsync() => await Tool.DisposeAsync();

    /// <summary>A daemon name no other test uses (short: Unix socket paths are limited to about 100 bytes).</summary>
    protected static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Fails with the whole run (command, exit code, stdout, stderr) unless it exited with <paramref name="expected"/>.</summary>
    protected static ToolResult ExpectExit(int expected, ToolResult result)
    {
        Assert.True(result.ExitCode == expected, $"Expected exit code {expected}.\n{result}");
        return result;
    }

    /// <summary>The value of <paramref name="key"/> in the tool's human-readable table ("key   value" lines).</summary>
    protected static string Field(ToolResult result, string key)
    {
        var match = Regex.Match(result.Stdout, $"^{Regex.Escape(key)} +(.*)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"No \"{key}\" line in the output.\n{result}");
        return match.Groups[1].Value.TrimEnd('\r');
    }

    /// <summary>A PID from the output.</summary>
    protected static int ParsePid(string text) => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>Waits until <paramref name="pid"/> has exited (the deadline turns a hang into a failure).</summary>
    protected static Task WaitUntilGoneAsync(int pid) =>
        Signals.WaitUntilAsync(() => ProcessTable.IsGone(pid), $"process {pid} has exited", ExitDeadline);

    /// <summary>Live <c>run</c> daemons for <paramref name="name"/> (the tool starts them as <c>… run --name NAME</c>).</summary>
    protected static IReadOnlyList<int> RunningDaemons(string name) => ProcessTable.WithArguments("run", "--name", name);

    /// <summary>The lock file of the daemon <paramref name="name"/> in this test's runtime directory.</summary>
    protected string LockPath(string name) => Path.Combine(Tool.DaemonDir(name), "daemon.lock");

    /// <summary>The socket of the daemon <paramref name="name"/> in this test's runtime directory.</summary>
    protected string SocketPath(string name) => Path.Combine(Tool.DaemonDir(name), "daemon.sock");

    /// <summary>Starts <paramref name="name"/> with the tool and returns the daemon's PID.</summary>
    protected async Task<int> StartAsync(string name)
    {
        var started = ExpectExit(0, await Tool.RunAsync("start", "--name", name, "--json"));
        var pid = started.Json().GetProperty("pid").GetInt32();
        Assert.True(pid > 0, $"start reported no PID.\n{started}");
        return pid;
    }

    /// <summary>Stops <paramref name="name"/> with the tool and waits until its process <paramref name="pid"/> has exited.</summary>
    protected async Task StopAsync(string name, int pid)
    {
        ExpectExit(0, await Tool.RunAsync("stop", "--name", name));
        await WaitUntilGoneAsync(pid);
    }
}
