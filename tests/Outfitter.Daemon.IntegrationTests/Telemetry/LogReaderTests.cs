using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Telemetry;

/// <summary>
/// <see cref="DaemonLogReader"/> on the real file system against a real <see cref="DaemonFileLoggerProvider"/> with a
/// small cap: a follower sees every entry exactly once and in order while another task writes through many rotations,
/// and the tail after rotations is the last entries, across the rotation boundary.
/// </summary>
public sealed partial class LogReaderTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [GeneratedRegex(@"\] entry (?<index>\d{4}) ")]
    private static partial Regex Entry();

    private static int IndexOf(string line)
    {
        var match = Entry().Match(line);
        Assert.True(match.Success, $"not an entry: {line}");
        return int.Parse(match.Groups["index"].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task A_follower_sees_every_entry_once_and_in_order_while_another_task_writes_through_rotations()
    {
        const int Entries = 400;
        // The writer stays at most this many entries ahead of the follower: about one file, well within the three
        // rotated files kept, so a follower that works loses nothing however the two are scheduled.
        const int MaxAhead = 12;
        var path = _dir.Combine("svc", "daemon.log");
        using var deadline = new CancellationTokenSource(Deadline);
        var reader = new DaemonLogReader { PollInterval = TimeSpan.FromMilliseconds(20) };
        var seen = new List<int>();
        var seenCount = 0;

        await using var follow = reader.FollowAsync(path, 0, deadline.Token).GetAsyncEnumerator();
        var move = follow.MoveNextAsync(); // the file does not exist yet: the follower waits for it
        var rotations = 0;
        var writer = Task.Run(async () =>
        {
            using var provider = new DaemonFileLoggerProvider(new DaemonFileLogOptions { Path = path, MaxFileSizeBytes = 1024, MaxFiles = 4 });
            var logger = provider.CreateLogger("Svc");
            var padding = new string('.', 30);
            for (var i = 0; i < Entries; i++)
            {
                while (i - Volatile.Read(ref seenCount) > MaxAhead)
                    await Task.Delay(1, deadline.Token);
                var before = File.Exists(path) ? new FileInfo(path).Length : 0;
                logger.LogInformation("entry {Index:D4} {Padding}", i, padding);
                if (new FileInfo(path).Length < before)
                    rotations++;
            }
        });

        while (seen.Count < Entries && await move)
        {
            seen.Add(IndexOf(follow.Current));
            Interlocked.Increment(ref seenCount);
            if (seen.Count < Entries)
                move = follow.MoveNextAsync();
        }

        await writer;
        Assert.Equal(Enumerable.Range(0, Entries), seen);
        Assert.True(rotations >= 10, $"only {rotations} rotations");
        Assert.True(File.Exists(path + ".3"));
    }

    [Fact]
    public void The_tail_after_rotations_is_the_last_entries_across_the_rotation_boundary()
    {
        var path = _dir.Combine("daemon.log");
        using (var provider = new DaemonFileLoggerProvider(new DaemonFileLogOptions { Path = path, MaxFileSizeBytes = 1024 }))
        {
            var logger = provider.CreateLogger("Svc");
            for (var i = 0; i < 200; i++)
                logger.LogInformation("entry {Index:D4} {Padding}", i, new string('.', 30));
        }

        var reader = new DaemonLogReader();
        var current = File.ReadAllLines(path).Length;

        var previous = File.ReadAllLines(path + ".1").Length;

        Assert.InRange(current, 1, 10); // so the tails below cross into daemon.log.1
        Assert.Equal(Enumerable.Range(200 - current, current), reader.Tail(path, current).Select(IndexOf));
        Assert.Equal(Enumerable.Range(200 - current - 5, current + 5), reader.Tail(path, current + 5).Select(IndexOf));
        // No further back than the previous file.
        Assert.Equal(Enumerable.Range(200 - current - previous, current + previous), reader.Tail(path, 100).Select(IndexOf));
        Assert.True(reader.Exists(path));
        Assert.False(reader.Exists(path + ".9"));
        Assert.Empty(reader.Tail(path + ".9", 10));
    }

    [Fact]
    public async Task Tail_then_follow_from_the_same_position_is_the_tool_s_logs_follow_and_cancelling_ends_it()
    {
        var path = _dir.Combine("daemon.log");
        using var provider = new DaemonFileLoggerProvider(new DaemonFileLogOptions { Path = path, MaxFileSizeBytes = 1024 });
        var logger = provider.CreateLogger("Svc");
        for (var i = 0; i < 20; i++)
            logger.LogInformation("entry {Index:D4} {Padding}", i, new string('.', 30));
        using var stop = new CancellationTokenSource(Deadline);
        var reader = new DaemonLogReader { PollInterval = TimeSpan.FromMilliseconds(20) };
        var seen = new List<int>();

        await foreach (var line in reader.FollowAsync(path, initialLines: 5, stop.Token))
        {
            seen.Add(IndexOf(line));
            if (seen.Count == 5)
                logger.LogInformation("entry {Index:D4} {Padding}", 20, new string('.', 30));
            if (seen.Count == 6)
                await stop.CancelAsync(); // ends the enumeration quietly at the next wait
        }

        Assert.Equal(Enumerable.Range(15, 6), seen);
    }
}
