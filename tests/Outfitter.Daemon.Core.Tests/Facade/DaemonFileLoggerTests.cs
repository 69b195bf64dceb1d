using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Outfitter.Daemon.Hosting;
using Outfitter.Daemon.Testing;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>
/// The rotating log file on the test kit's fake machine: the formats, level filtering, exceptions and scopes, rotation
/// at the cap, many writers at once, and failures that drop entries without ever throwing.
/// </summary>
public sealed partial class DaemonFileLoggerTests
{
    private const string LogPath = FakeMachine.RuntimeDir + "/svc/daemon.log";
    private static readonly DateTimeOffset Now = new(2025, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);
    private readonly FakeMachine _machine = new();

    public DaemonFileLoggerTests() => _machine.Time.SetUtcNow(Now);

    private DaemonFileLoggerProvider Provider(Action<DaemonFileLogOptions>? configure = null)
    {
        var options = new DaemonFileLogOptions { Path = LogPath };
        configure?.Invoke(options);
        return new DaemonFileLoggerProvider(options, _machine.Ports.LogFiles, _machine.Ports.Time);
    }

    private string Log(string path = LogPath) => _machine.Os.ReadFile(path) ?? "";

    private List<string> Lines(string path = LogPath) => [.. Log(path).Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    [GeneratedRegex(@"^(?<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (?<level>trce|dbug|info|warn|fail|crit) (?<category>\S+)\[(?<id>\d+)(?: (?<name>\S+))?\] (?<message>.*)$")]
    private static partial Regex TextLine();

    [Fact]
    public void A_text_entry_is_one_line_with_timestamp_level_category_event_and_message()
    {
        using var provider = Provider();
        var logger = provider.CreateLogger("Svc.Worker");

        logger.LogInformation(new EventId(7, "Started"), "Worker {Name} started after {Ms} ms", "indexer", 42);
        logger.LogWarning("no event id");

        var lines = Lines();
        Assert.Equal(2, lines.Count);
        var first = TextLine().Match(lines[0]);
        Assert.True(first.Success, lines[0]);
        Assert.Equal("2025-01-02T03:04:05.678Z", first.Groups["ts"].Value);
        Assert.Equal("info", first.Groups["level"].Value);
        Assert.Equal("Svc.Worker", first.Groups["category"].Value);
        Assert.Equal("7", first.Groups["id"].Value);
        Assert.Equal("Started", first.Groups["name"].Value);
        Assert.Equal("Worker indexer started after 42 ms", first.Groups["message"].Value);
        Assert.Equal("2025-01-02T03:04:05.678Z warn Svc.Worker[0] no event id", lines[1]);
    }

    [Fact]
    public void An_exception_and_further_message_lines_are_indented_under_their_entry()
    {
        using var provider = Provider();
        var logger = provider.CreateLogger("Svc");
        Exception thrown;
        try
        {
            throw new InvalidOperationException("the cache is gone");
        }
        catch (InvalidOperationException e)
        {
            thrown = e;
        }

        logger.LogError(thrown, "first line\nsecond line");
        logger.LogInformation("next");

        var lines = Lines();
        Assert.Matches(TextLine(), lines[0]);
        Assert.EndsWith("] first line", lines[0], StringComparison.Ordinal);
        Assert.Equal("    second line", lines[1]);
        Assert.Equal("    System.InvalidOperationException: the cache is gone", lines[2]);
        Assert.Contains(lines.Skip(3).TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal)), l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        // Every line is either an entry's first line or indented under one: the next entry starts cleanly.
        Assert.All(lines, l => Assert.True(TextLine().IsMatch(l) || l.StartsWith("    ", StringComparison.Ordinal), l));
        Assert.Equal(2, lines.Count(l => TextLine().IsMatch(l)));
        Assert.EndsWith("] next", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_json_entry_is_one_object_per_line_with_the_console_formatters_field_names()
    {
        using var provider = Provider(o => o.Format = DaemonFileLogFormat.Json);
        var logger = provider.CreateLogger("Svc.Worker");

        logger.LogInformation(new EventId(7, "Started"), "Worker {Name} started after {Ms} ms ({Ok}, {Missing})", "indexer", 42, true, null);
        logger.LogError(new InvalidOperationException("boom \"quoted\"\nnext"), "Failed");

        var lines = Lines();
        Assert.Equal(2, lines.Count);
        using var first = JsonDocument.Parse(lines[0]);
        var e = first.RootElement;
        Assert.Equal("2025-01-02T03:04:05.678Z", e.GetProperty("Timestamp").GetString());
        Assert.Equal(7, e.GetProperty("EventId").GetInt32());
        Assert.Equal("Started", e.GetProperty("EventName").GetString());
        Assert.Equal("Information", e.GetProperty("LogLevel").GetString());
        Assert.Equal("Svc.Worker", e.GetProperty("Category").GetString());
        Assert.Equal("Worker indexer started after 42 ms (True, (null))", e.GetProperty("Message").GetString());
        var state = e.GetProperty("State");
        Assert.Equal("indexer", state.GetProperty("Name").GetString());
        Assert.Equal(42, state.GetProperty("Ms").GetInt32());
        Assert.True(state.GetProperty("Ok").GetBoolean());
        Assert.Equal(JsonValueKind.Null, state.GetProperty("Missing").ValueKind);
        Assert.Equal("Worker {Name} started after {Ms} ms ({Ok}, {Missing})", state.GetProperty("{OriginalFormat}").GetString());
        Assert.False(e.TryGetProperty("Exception", out _));
        Assert.False(e.TryGetProperty("Scopes", out _));

        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal("Error", second.RootElement.GetProperty("LogLevel").GetString());
        Assert.False(second.RootElement.TryGetProperty("EventName", out _));
        Assert.StartsWith("System.InvalidOperationException: boom \"quoted\"\nnext", second.RootElement.GetProperty("Exception").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Scopes_from_the_logger_factory_are_written_in_both_formats()
    {
        foreach (var format in new[] { DaemonFileLogFormat.Text, DaemonFileLogFormat.Json })
        {
            var path = LogPath + "." + format;
            using var provider = new DaemonFileLoggerProvider(new DaemonFileLogOptions { Path = path, Format = format }, _machine.Process, _machine.Time);
            using var factory = new LoggerFactory([provider]);
            var logger = factory.CreateLogger("Svc");

            using (logger.BeginScope(new Dictionary<string, object?> { ["ConnectionId"] = 3 }))
            using (logger.BeginScope("request {RequestId}", "r-1"))
                logger.LogInformation("handled");
            logger.LogInformation("outside");

            var lines = Lines(path);
            if (format == DaemonFileLogFormat.Text)
            {
                Assert.Equal("    => ConnectionId:3 => request r-1", lines[1]);
                Assert.Matches(TextLine(), lines[2]);
                Assert.Equal(3, lines.Count);
            }
            else
            {
                using var inside = JsonDocument.Parse(lines[0]);
                var scopes = inside.RootElement.GetProperty("Scopes");
                Assert.Equal(2, scopes.GetArrayLength());
                Assert.Equal(3, scopes[0].GetProperty("ConnectionId").GetInt32());
                Assert.Equal("request r-1", scopes[1].GetProperty("Message").GetString());
                Assert.Equal("r-1", scopes[1].GetProperty("RequestId").GetString());
                using var outside = JsonDocument.Parse(lines[1]);
                Assert.False(outside.RootElement.TryGetProperty("Scopes", out _));
            }
        }
    }

    [Fact]
    public void Entries_below_the_minimum_level_are_not_written()
    {
        using var provider = Provider(o => o.MinimumLevel = LogLevel.Warning);
        var logger = provider.CreateLogger("Svc");

        logger.LogDebug("debug");
        logger.LogInformation("info");
        logger.LogWarning("warning");
        logger.LogCritical("critical");
        logger.Log(LogLevel.None, "none");

        Assert.False(logger.IsEnabled(LogLevel.Information));
        Assert.True(logger.IsEnabled(LogLevel.Warning));
        Assert.Equal(["warn", "crit"], Lines().Select(l => TextLine().Match(l).Groups["level"].Value));
    }

    [Fact]
    public void Information_is_the_default_minimum_level()
    {
        using var provider = Provider();
        var logger = provider.CreateLogger("Svc");

        logger.LogTrace("trace");
        logger.LogDebug("debug");
        logger.LogInformation("info");

        Assert.Equal(["info"], Lines().Select(l => TextLine().Match(l).Groups["level"].Value));
    }

    [Fact]
    public void At_the_cap_the_files_rotate_and_no_more_than_max_files_are_kept()
    {
        // Each entry is 64 bytes; the cap holds three.
        using var provider = Provider(o => o.MaxFileSizeBytes = 200);
        var logger = provider.CreateLogger("S");
        var prefix = "2025-01-02T03:04:05.678Z info S[0] ".Length;
        for (var i = 0; i < 20; i++)
            logger.LogInformation("{Entry}", $"entry {i:D2}".PadRight(63 - prefix, '.'));

        Assert.Equal([LogPath, LogPath + ".1", LogPath + ".2"], _machine.Os.FilePaths.Where(p => p.StartsWith(LogPath, StringComparison.Ordinal)));
        Assert.All(new[] { LogPath, LogPath + ".1", LogPath + ".2" }, p => Assert.True(Log(p).Length <= 200, $"{p}: {Log(p).Length} bytes"));
        Assert.Equal(192, Log(LogPath + ".2").Length);
        // The newest entries, oldest file first, without a gap: 12–14, 15–17, 18–19.
        var kept = new[] { LogPath + ".2", LogPath + ".1", LogPath }.SelectMany(Lines).Select(l => TextLine().Match(l).Groups["message"].Value[6..8]).ToList();
        Assert.Equal(Enumerable.Range(12, 8).Select(i => i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture)), kept);
    }

    [Fact]
    public void An_entry_larger_than_the_cap_gets_a_file_of_its_own_and_is_not_cut()
    {
        using var provider = Provider(o => o.MaxFileSizeBytes = 100);
        var logger = provider.CreateLogger("S");

        logger.LogInformation("small");
        logger.LogInformation("{Big}", new string('x', 300));
        logger.LogInformation("after");

        Assert.EndsWith("] small", Lines(LogPath + ".2").Single(), StringComparison.Ordinal);
        Assert.EndsWith(new string('x', 300), Lines(LogPath + ".1").Single(), StringComparison.Ordinal);
        Assert.EndsWith("] after", Lines().Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Writing_continues_at_the_end_of_an_existing_file_and_counts_its_size()
    {
        _machine.Os.WriteFile(LogPath, new string('o', 90) + "\n");
        using var provider = Provider(o => o.MaxFileSizeBytes = 100);

        provider.CreateLogger("S").LogInformation("does not fit");

        Assert.Equal(new string('o', 90) + "\n", Log(LogPath + ".1"));
        Assert.Single(Lines());
    }

    [Fact]
    public async Task Entries_of_many_threads_at_once_never_interleave()
    {
        using var provider = Provider(o => o.Format = DaemonFileLogFormat.Json);
        const int threads = 8;
        const int each = 250;

        await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(() =>
        {
            var logger = provider.CreateLogger($"Thread{t}");
            for (var i = 0; i < each; i++)
                logger.LogInformation("{Thread} {Index} {Padding}", t, i, new string((char)('a' + t), 200));
        })));

        var seen = Lines().Select(l =>
        {
            using var entry = JsonDocument.Parse(l);
            var state = entry.RootElement.GetProperty("State");
            var thread = state.GetProperty("Thread").GetInt32();
            Assert.Equal(new string((char)('a' + thread), 200), state.GetProperty("Padding").GetString());
            return (thread, state.GetProperty("Index").GetInt32());
        }).ToList();
        Assert.Equal(threads * each, seen.Count);
        Assert.Equal(threads * each, seen.Distinct().Count());
        // Each thread's entries appear in the order it logged them.
        Assert.All(seen.GroupBy(s => s.Item1), g => Assert.Equal(Enumerable.Range(0, each), g.Select(s => s.Item2)));
        Assert.Equal(0, provider.DroppedEntries);
    }

    [Fact]
    public void A_failing_disk_drops_entries_without_throwing_and_the_first_entry_after_says_how_many()
    {
        using var provider = Provider();
        var logger = provider.CreateLogger("Svc");
        logger.LogInformation("before");

        _machine.Process.FailWrites = "No space left on device";
        logger.LogInformation("lost 1");
        logger.LogError(new InvalidOperationException("x"), "lost 2");
        Assert.Equal(2, provider.DroppedEntries);
        Assert.Equal("No space left on device", provider.LastError);

        // Space again, but within the retry interval the file system is left alone: still dropped.
        _machine.Process.FailWrites = null;
        logger.LogInformation("lost 3");
        Assert.Equal(3, provider.DroppedEntries);

        _machine.Time.Advance(TimeSpan.FromSeconds(1));
        logger.LogInformation("after");

        var lines = Lines();
        Assert.Equal(3, lines.Count);
        Assert.EndsWith("] before", lines[0], StringComparison.Ordinal);
        Assert.Equal($"2025-01-02T03:04:06.678Z warn {DaemonLogCategories.Logging}[1 EntriesDropped] 3 log entries could not be written to {LogPath} and were dropped: No space left on device", lines[1]);
        Assert.EndsWith("] after", lines[2], StringComparison.Ordinal);
        Assert.Equal(3, provider.DroppedEntries);
    }

    [Fact]
    public void A_state_that_throws_while_formatting_is_dropped_and_counted_not_thrown()
    {
        using var provider = Provider();
        var logger = provider.CreateLogger("Svc");

        var thrown = Record.Exception(() => logger.Log(LogLevel.Information, default, new object(), null, (_, _) => throw new FormatException("bad state")));
        logger.LogInformation("next");

        Assert.Null(thrown);
        Assert.Equal(1, provider.DroppedEntries);
        Assert.Contains("bad state", provider.LastError, StringComparison.Ordinal);
        Assert.Contains(Lines(), l => l.Contains("1 log entry could not be written", StringComparison.Ordinal));
        Assert.EndsWith("] next", Lines()[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void After_dispose_entries_are_ignored()
    {
        var provider = Provider();
        var logger = provider.CreateLogger("Svc");
        logger.LogInformation("kept");
        provider.Dispose();

        logger.LogInformation("ignored");

        Assert.Single(Lines());
        Assert.Equal(0, provider.DroppedEntries);
    }

    [Fact]
    public void Through_dependency_injection_the_provider_writes_to_the_registered_fakes_with_their_clock()
    {
        var services = _machine.AddTo(new ServiceCollection());
        services.AddLogging(b => b.AddDaemonLogFile(o => o.Path = LogPath));
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<ILoggerFactory>().CreateLogger("Svc").LogInformation("via the container");

        Assert.Equal("2025-01-02T03:04:05.678Z info Svc[0] via the container", Lines().Single());
    }

    [Fact]
    public void Without_a_path_the_container_refuses_to_create_the_provider()
    {
        var services = _machine.AddTo(new ServiceCollection());
        services.AddLogging(b => b.AddDaemonLogFile());
        using var provider = services.BuildServiceProvider();

        var refused = Assert.Throws<ArgumentException>(() => provider.GetRequiredService<ILoggerFactory>());
        Assert.Contains("Path is empty", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_options_are_refused_listing_every_problem()
    {
        var refused = Assert.Throws<ArgumentException>(() => new DaemonFileLoggerProvider(
            new DaemonFileLogOptions { Path = " ", MaxFileSizeBytes = 0, MaxFiles = 0, Format = (DaemonFileLogFormat)9 },
            _machine.Process,
            _machine.Time));

        Assert.Contains("Path is empty", refused.Message, StringComparison.Ordinal);
        Assert.Contains("MaxFileSizeBytes is 0", refused.Message, StringComparison.Ordinal);
        Assert.Contains("MaxFiles is 0", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Format is 9", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_defaults_are_ten_mebibytes_three_files_text_and_information()
    {
        var options = new DaemonFileLogOptions();

        Assert.Equal(10L * 1024 * 1024, options.MaxFileSizeBytes);
        Assert.Equal(3, options.MaxFiles);
        Assert.Equal(DaemonFileLogFormat.Text, options.Format);
        Assert.Equal(LogLevel.Information, options.MinimumLevel);
        Assert.True(options.IncludeScopes);
    }
}
