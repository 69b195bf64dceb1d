using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Outfitter.Daemon.Hosting;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Telemetry;

/// <summary>
/// The rotating log file on the real file system: mode 0600, rotation to exactly <c>MaxFiles</c> files, appends that
/// coexist with another writer of the same file, and the provider as users add it (a Generic Host's logging builder, and
/// <c>DaemonHost.Create</c>'s logger factory as the tool's <c>run</c> uses it).
/// </summary>
public sealed class LogFileTests : IDisposable
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_new_log_file_is_mode_0600_in_missing_directories_created_0700()
    {
        var path = _dir.Combine("state", "svc", "daemon.log");
        using (var provider = new DaemonFileLoggerProvider(new DaemonFileLogOptions { Path = path }))
            provider.CreateLogger("Svc").LogInformation("hello");

        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir.Combine("state", "svc")));
        Assert.EndsWith("] hello\n", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void An_existing_world_readable_log_of_ours_is_tightened_to_0600_and_appended_to()
    {
        var path = _dir.Combine("daemon.log");
        File.WriteAllText(path, "from before\n");
        File.SetUnixFileMode(path, OwnerReadWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        using (var provider = new DaemonFileLoggerProvider(new DaemonFileLogOptions { Path = path }))
            provider.CreateLogger("Svc").LogInformation("after");

        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(path));
        var lines = File.ReadAllLines(path);
        Assert.Equal("from before", lines[0]);
        Assert.EndsWith("] after", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Rotation_keeps_daemon_log_and_two_rotated_files_and_no_more_each_within_the_cap()
    {
        var path = _dir.Combine("daemon.log");
        using (var provider = new DaemonFileLoggerProvider(new DaemonFileLogOptions { Path = path, MaxFileSizeBytes = 1024 }))
        {
            var logger = provider.CreateLogger("Svc");
            for (var i = 0; i < 200; i++)
                logger.LogInformation("entry {Index:D3} {Padding}", i, new string('.', 40));
            Assert.Equal(0, provider.DroppedEntries);
        }

        Assert.Equal(["daemon.log", "daemon.log.1", "daemon.log.2"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var file in Directory.GetFiles(_dir.Path))
        {
            Assert.InRange(new FileInfo(file).Length, 1, 1024);
            Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(file));
        }

        // Oldest file first, the entries run on without a gap and end with the last one logged.
        var indexes = new[] { "daemon.log.2", "daemon.log.1", "daemon.log" }
            .SelectMany(f => File.ReadAllLines(_dir.Combine(f)))
            .Select(l => int.Parse(l.Split("entry ")[1][..3], System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        Assert.Equal(199, indexes[^1]);
        Assert.Equal(Enumerable.Range(indexes[0], indexes.Count), indexes);
    }

    [Fact]
    public void Entries_land_at_the_end_even_when_another_writer_appends_to_the_same_file()
    {
        // A shell redirect (>>) of the daemon's stderr into its log is such a writer: O_APPEND keeps both intact.
        var path = _dir.Combine("daemon.log");
        using var provider = new DaemonFileLoggerProvider(new DaemonFileLogOptions { Path = path });
        var logger = provider.CreateLogger("Svc");

        logger.LogInformation("ours 1");
        File.AppendAllText(path, "theirs\n");
        logger.LogInformation("ours 2");

        var lines = File.ReadAllLines(path);
        Assert.Equal(3, lines.Length);
        Assert.EndsWith("] ours 1", lines[0], StringComparison.Ordinal);
        Assert.Equal("theirs", lines[1]);
        Assert.EndsWith("] ours 2", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void A_log_path_in_a_directory_that_cannot_be_created_drops_entries_without_throwing()
    {
        var blocker = _dir.Combine("not-a-dir");
        File.WriteAllText(blocker, "");
        using var provider = new DaemonFileLoggerProvider(new DaemonFileLogOptions { Path = Path.Combine(blocker, "daemon.log") });

        var thrown = Record.Exception(() => provider.CreateLogger("Svc").LogError("lost"));

        Assert.Null(thrown);
        Assert.Equal(1, provider.DroppedEntries);
        Assert.NotNull(provider.LastError);
    }

    [Fact]
    public async Task A_generic_host_with_AddDaemonLogFile_writes_its_own_and_the_apps_entries_as_json_lines()
    {
        var path = _dir.Combine("host.log");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:DaemonFile:Path"] = path,
            ["Logging:DaemonFile:Format"] = "Json",
            ["Logging:DaemonFile:MinimumLevel"] = "Debug",
        });
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddDaemonLogFile(o => o.MaxFiles = 2);
        builder.Logging.AddDaemonLogFile();   // once is enough: a second call adds no second provider

        using (var host = builder.Build())
        {
            var provider = Assert.Single(host.Services.GetServices<ILoggerProvider>().OfType<DaemonFileLoggerProvider>());
            Assert.Equal(path, provider.Path);
            Assert.Equal(2, provider.MaxFiles);
            await host.StartAsync();
            var logger = host.Services.GetRequiredService<ILogger<LogFileTests>>();
            logger.LogTrace("below the file's MinimumLevel, which the configuration set to Debug");
            logger.LogDebug(new EventId(5, "Checked"), "checked {Count} items", 3);
            await host.StopAsync();
        }

        var entries = File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var ours = Assert.Single(entries, e => e.GetProperty("Category").GetString() == typeof(LogFileTests).FullName);
        Assert.Equal("Debug", ours.GetProperty("LogLevel").GetString());
        Assert.Equal("Checked", ours.GetProperty("EventName").GetString());
        Assert.Equal(3, ours.GetProperty("State").GetProperty("Count").GetInt32());
        Assert.Contains(entries, e => e.GetProperty("Category").GetString() == "Microsoft.Hosting.Lifetime");
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task A_daemon_host_given_a_factory_with_the_provider_logs_its_lifecycle_into_the_file()
    {
        // As the tool's `run` composes it: DaemonHost.Create(options, loggers: a factory with the file provider).
        var path = _dir.Combine("daemon.log");
        using (var loggers = LoggerFactory.Create(b => b.AddProvider(new DaemonFileLoggerProvider(new DaemonFileLogOptions { Path = path }))))
        {
            await using var host = DaemonHost.Create(
                new DaemonHostOptions { Name = "logfile", SocketPath = _dir.Combine("d.sock"), LockPath = _dir.Combine("d.lock"), HandleSignals = false, ExitOnSignal = false },
                loggers: loggers);
            Assert.True((await host.StartAsync()).IsSuccess);
            Assert.True((await host.StopAsync()).IsSuccess);
        }

        var text = File.ReadAllText(path);
        Assert.Contains($"info {DaemonLogCategories.Lifecycle}[2 ", text, StringComparison.Ordinal);
        Assert.Contains($"info {DaemonLogCategories.Lifecycle}[5 ", text, StringComparison.Ordinal);
    }
}
