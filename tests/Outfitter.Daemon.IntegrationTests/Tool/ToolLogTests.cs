using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Tool;

/// <summary>
/// The log of a daemon that <c>start</c> launched, through the real tool processes: structured entries in
/// <c>daemon.log</c> (mode 0600), JSON lines with <c>--log-format json</c>, <c>--log-level</c>, rotation at
/// <c>--log-max-size</c> keeping <c>--log-files</c> files, <c>logs [-n N] [--follow]</c>, and a failed start that shows
/// the tail of both the log and the daemon's own output (<c>daemon.out</c>).
/// </summary>
[Collection(ToolTestBase.Collection)]
public sealed partial class ToolLogTests : ToolTestBase
{
    [Fact]
    public async Task A_started_daemon_writes_structured_entries_to_a_private_log_file()
    {
        var name = NewName("log");
        var pid = await StartAsync(name);
        await StopAsync(name, pid);

        var log = Path.Combine(Tool.DaemonDir(name), "daemon.log");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(log));
        var lines = File.ReadAllLines(log);
        // timestamp, level, category[event id name], message
        Assert.Contains(lines, l => TextEntry().IsMatch(l) && l.Contains(" info Outfitter.Daemon.Lifecycle[2", StringComparison.Ordinal) && l.Contains($"PID {pid}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("IPC server listening on", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"(PID {pid}) stopped", StringComparison.Ordinal) || l.Contains("stopping", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.StartsWith("READY", StringComparison.Ordinal)); // stdout goes to daemon.out
        var output = Path.Combine(Tool.DaemonDir(name), "daemon.out");
        Assert.Contains(File.ReadAllLines(output), l => l.StartsWith("READY ", StringComparison.Ordinal));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(output));
    }

    [Fact]
    public async Task With_log_format_json_and_a_level_every_line_is_a_json_entry_at_or_above_it()
    {
        var name = NewName("logj");
        var started = ExpectExit(0, await Tool.RunAsync("start", "-n", name, "--log-format", "json", "--log-level=debug", "--json"));
        var pid = started.Json().GetProperty("pid").GetInt32();
        ExpectExit(0, await Tool.RunAsync("ping", "-n", name));
        await StopAsync(name, pid);

        var entries = File.ReadAllLines(Path.Combine(Tool.DaemonDir(name), "daemon.log")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(entries, e =>
        {
            Assert.True(DateTimeOffset.TryParse(e.GetProperty("Timestamp").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _), e.ToString());
            Assert.Contains(e.GetProperty("LogLevel").GetString(), new[] { "Debug", "Information", "Warning", "Error", "Critical" });
            Assert.StartsWith("Outfitter.Daemon.", e.GetProperty("Category").GetString(), StringComparison.Ordinal);
            Assert.True(e.GetProperty("EventId").GetInt32() > 0, e.ToString());
            Assert.False(string.IsNullOrEmpty(e.GetProperty("Message").GetString()));
        });
        Assert.Contains(entries, e => e.GetProperty("LogLevel").GetString() == "Debug" && e.GetProperty("Message").GetString()!.Contains("opened", StringComparison.Ordinal));

        // The default level leaves debug entries out.
        var quiet = NewName("logq");
        var quietPid = await StartAsync(quiet);
        ExpectExit(0, await Tool.RunAsync("ping", "-n", quiet));
        await StopAsync(quiet, quietPid);
        Assert.DoesNotContain(File.ReadAllLines(Path.Combine(Tool.DaemonDir(quiet), "daemon.log")), l => l.Contains(" dbug ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_log_rotates_at_its_size_cap_and_keeps_the_configured_number_of_files()
    {
        var name = NewName("logr");
        var started = ExpectExit(0, await Tool.RunAsync("start", "-n", name, "--log-level", "debug", "--log-max-size", "2K", "--log-files", "3", "--json"));
        var pid = started.Json().GetProperty("pid").GetInt32();

        // Each connection logs "opened" and "closed" at debug: a few hundred entries, many times the cap.
        for (var i = 0; i < 150; i++)
        {
            using var client = await RawClient.ConnectAsync(SocketPath(name));
            await client.SendAsync("{\"id\":\"1\",\"type\":\"request\",\"payload\":{\"type\":\"ping\"}}\n");
            Assert.NotNull(await client.ReadLineAsync());
        }

        await StopAsync(name, pid);
        var dir = Tool.DaemonDir(name);
        var logs = Directory.GetFiles(dir, "daemon.log*").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { "daemon.log", "daemon.log.1", "daemon.log.2" }, logs);
        foreach (var file in logs)
        {
            var info = new FileInfo(Path.Combine(dir, file!));
            Assert.True(info.Length <= 2048, $"{file} is {info.Length} bytes, over the 2K cap");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(info.FullName));
        }
    }

    [Fact]
    public async Task Logs_prints_the_last_lines_and_says_when_there_is_no_log()
    {
        var name = NewName("logs");
        var pid = await StartAsync(name);
        await StopAsync(name, pid);
        var all = File.ReadAllLines(Path.Combine(Tool.DaemonDir(name), "daemon.log"));
        Assert.True(all.Length >= 3, string.Join("\n", all));

        var last2 = ExpectExit(0, await Tool.RunAsync("logs", "--name", name, "--lines", "2")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(all[^2..], last2);
        var short2 = ExpectExit(0, await Tool.RunAsync("--name", name, "logs", "-n", "2")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(all[^2..], short2);
        var everything = ExpectExit(0, await Tool.RunAsync("logs", "--name", name)).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(all.TakeLast(20), everything);

        var none = ExpectExit(2, await Tool.RunAsync("logs", "--name", NewName("never")));
        Assert.Contains("No log at", none.Stderr, StringComparison.Ordinal);
        ExpectExit(64, await Tool.RunAsync("logs", "--name", name, "-n", "lots"));
    }

    [Fact]
    public async Task Logs_follow_prints_what_the_daemon_writes_next()
    {
        var name = NewName("logf");
        var pid = await StartAsync(name);
        using var follow = Tool.StartDotnet(Artifacts.ToolDll, "logs", "--name", name, "--follow", "-n", "0");
        try
        {
            // Stopping the daemon writes its stop entries, which the follower prints as they come.
            await StopAsync(name, pid);
            var deadline = Stopwatch.StartNew();
            string? line;
            do
            {
                line = await follow.NextLineAsync();
            }
            while (!line.Contains("stopped", StringComparison.Ordinal) && deadline.Elapsed < ExitDeadline);
            Assert.Contains($"(PID {pid}) stopped", line, StringComparison.Ordinal);
        }
        finally
        {
            await follow.KillAsync();
        }
    }

    [Fact]
    public async Task Bad_log_options_are_refused_before_anything_starts()
    {
        var name = NewName("logb");
        Assert.Contains("--log-max-size takes a size", ExpectExit(64, await Tool.RunAsync("start", "-n", name, "--log-max-size", "lots")).Stderr, StringComparison.Ordinal);
        Assert.Contains("--log-files takes a number", ExpectExit(64, await Tool.RunAsync("start", "-n", name, "--log-files", "three")).Stderr, StringComparison.Ordinal);
        ExpectExit(64, await Tool.RunAsync("start", "-n", name, "--log-format", "xml"));
        ExpectExit(64, await Tool.RunAsync("start", "-n", name, "--log-level", "loud"));
        Assert.Contains("need --log-file", ExpectExit(64, await Tool.RunAsync("run", "-n", name, "--log-level", "debug")).Stderr, StringComparison.Ordinal);
        Assert.Empty(Tool.ProcessesInThisRuntimeDir());
        Assert.False(Directory.Exists(Tool.DaemonDir(name)) && Directory.GetFiles(Tool.DaemonDir(name), "daemon.log*").Length > 0);
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (trce|dbug|info|warn|fail|crit) [\w.]+\[\d+( \w+)?\] ")]
    private static partial Regex TextEntry();
}
