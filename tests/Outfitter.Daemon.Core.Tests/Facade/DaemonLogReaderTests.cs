using System.Diagnostics;
using System.Text;
using LanguageExt;
using Microsoft.Extensions.Logging;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Core.Tests.Clients;
using Outfitter.Daemon.Testing;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>
/// Reading the rotating log on the test kit's fake machine, with a simulated clock that moves only when a test fires
/// the follower's timer: the tail (across the rotation boundary, bounded reads of a big file, CRLF, a partial line,
/// invalid UTF-8, a missing file) and following (new lines once, across rotations without loss or repetition, a file that
/// appears later, truncation, cancellation, and no wake-up without time passing).
/// </summary>
public sealed class DaemonLogReaderTests
{
    private const string LogPath = FakeMachine.RuntimeDir + "/svc/daemon.log";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly FakeMachine _machine = new();
    private readonly SimulatedClock _clock = new(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly CountingLogFiles _files;
    private readonly DaemonLogReader _reader;
    private readonly CancellationTokenSource _stop = new();

    public DaemonLogReaderTests()
    {
        _files = new CountingLogFiles(_machine.Process);
        _reader = new DaemonLogReader(_files, _clock);
    }

    /// <summary>A follower that <see cref="AssertNothingMore"/> stops (an enumerator cannot be disposed while it waits).</summary>
    private IAsyncEnumerator<string> Follow(int initialLines = 0) => _reader.FollowAsync(LogPath, initialLines, _stop.Token).GetAsyncEnumerator();

    private void Write(string path, string text) => _machine.Os.AppendFile(path, Encoding.UTF8.GetBytes(text));

    private static string Lines(int from, int to) => string.Concat(Enumerable.Range(from, to - from + 1).Select(i => $"line {i}\n"));

    private static string[] Expected(int from, int to) => Enumerable.Range(from, to - from + 1).Select(i => $"line {i}").ToArray();

    // ---- Tail -------------------------------------------------------------------------------------------------------

    [Fact]
    public void Tail_returns_the_last_lines_oldest_first()
    {
        Write(LogPath, Lines(1, 10));

        Assert.Equal(Expected(8, 10), _reader.Tail(LogPath, 3));
        Assert.Equal(Expected(1, 10), _reader.Tail(LogPath, 10));
    }

    [Fact]
    public void Tail_takes_what_the_current_file_lacks_from_the_end_of_path_1_in_order()
    {
        Write(LogPath + ".2", Lines(1, 3));
        Write(LogPath + ".1", Lines(4, 8));
        Write(LogPath, Lines(9, 10));

        Assert.Equal(Expected(6, 10), _reader.Tail(LogPath, 5));
        Assert.Equal(Expected(9, 10), _reader.Tail(LogPath, 2));
        // Only the previous file is looked at, not the older ones.
        Assert.Equal(Expected(4, 10), _reader.Tail(LogPath, 50));
    }

    [Fact]
    public void Tail_after_a_rotation_with_an_empty_new_file_reads_the_previous_one()
    {
        Write(LogPath + ".1", Lines(1, 4));
        _machine.Os.AppendFile(LogPath, []);

        Assert.Equal(Expected(2, 4), _reader.Tail(LogPath, 3));
    }

    [Fact]
    public void Tail_of_a_big_file_reads_a_bounded_number_of_bytes_from_its_end()
    {
        var line = new string('x', 99) + "\n";
        var block = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(line, 1024)));
        for (var i = 0; i < 100; i++)
            _machine.Os.AppendFile(LogPath, block); // 10 MiB
        Write(LogPath, Lines(1, 20));

        var tail = _reader.Tail(LogPath, 20);

        Assert.Equal(Expected(1, 20), tail);
        Assert.True(_machine.Os.LogBytesRead <= 2 * DaemonLogReader.TailChunkBytes, $"read {_machine.Os.LogBytesRead} bytes");
        Assert.True(_machine.Os.LogReads <= 2, $"{_machine.Os.LogReads} reads");
    }

    [Fact]
    public void Tail_of_many_long_lines_reads_about_their_size_in_chunks()
    {
        var line = new string('y', 999) + "\n";
        Write(LogPath, string.Concat(Enumerable.Repeat(line, 1000))); // ~1 MB

        var tail = _reader.Tail(LogPath, 50); // ~50 KB

        Assert.Equal(50, tail.Count);
        Assert.All(tail, l => Assert.Equal(999, l.Length));
        Assert.InRange(_machine.Os.LogBytesRead, 50_000, 50_000 + DaemonLogReader.TailChunkBytes);
    }

    [Fact]
    public void Tail_strips_crlf_and_includes_a_partial_last_line()
    {
        Write(LogPath, "one\r\ntwo\r\n\r\nthree (no newline yet)");

        Assert.Equal(["two", "", "three (no newline yet)"], _reader.Tail(LogPath, 3));
        Assert.Equal(["one", "two", "", "three (no newline yet)"], _reader.Tail(LogPath, 9));
    }

    [Fact]
    public void Tail_reads_invalid_utf8_as_replacement_characters_without_throwing()
    {
        _machine.Os.AppendFile(LogPath, [(byte)'o', (byte)'k', (byte)'\n', 0xFF, 0xC3, (byte)'!', (byte)'\n', 0xE2, 0x82]);

        var tail = _reader.Tail(LogPath, 3);

        Assert.Equal("ok", tail[0]);
        Assert.Equal("\uFFFD\uFFFD!", tail[1]);
        Assert.Contains('\uFFFD', tail[2]);
    }

    [Fact]
    public void A_character_cut_by_a_chunk_boundary_and_a_line_longer_than_a_chunk_are_read_whole()
    {
        // "é" is two bytes; place one across the 8 KiB boundary from the end, inside a 20 KB line.
        var longLine = new string('a', 10_000) + "é" + new string('b', 10_000);
        var tailBytes = Encoding.UTF8.GetByteCount("é" + new string('b', 10_000) + "\nlast\n");
        Write(LogPath, "first\n" + longLine + "\nlast\n");
        Assert.True(tailBytes > DaemonLogReader.TailChunkBytes);

        Assert.Equal([longLine, "last"], _reader.Tail(LogPath, 2));
        var straddling = "é" + new string('c', DaemonLogReader.TailChunkBytes - 2) + "\n"; // é's second byte begins the last chunk
        Write(LogPath + "x", "before\n" + straddling);
        Assert.Equal(straddling.TrimEnd('\n'), _reader.Tail(LogPath + "x", 1)[0]);
    }

    [Fact]
    public void A_missing_file_has_no_tail_and_does_not_exist_while_an_empty_one_exists()
    {
        Assert.Empty(_reader.Tail(LogPath, 10));
        Assert.False(_reader.Exists(LogPath));

        _machine.Os.AppendFile(LogPath, []);

        Assert.Empty(_reader.Tail(LogPath, 10));
        Assert.True(_reader.Exists(LogPath));
        Assert.Empty(_reader.Tail(LogPath, 0));
    }

    [Fact]
    public void Tail_refuses_a_negative_count_and_a_directory()
    {
        Write(LogPath, "x\n");
        _machine.Process.AsDirectories().CreateAll(FakeMachine.RuntimeDir + "/svc");

        Assert.Throws<ArgumentOutOfRangeException>(() => _reader.Tail(LogPath, -1));
        Assert.Throws<IOException>(() => _reader.Tail(FakeMachine.RuntimeDir + "/svc", 1));
        Assert.False(_reader.Exists(FakeMachine.RuntimeDir + "/svc"));
        Assert.Throws<ArgumentOutOfRangeException>(() => _reader.FollowAsync(LogPath, -1));
    }

    [Fact]
    public void Tail_reads_what_the_provider_wrote_across_its_rotations()
    {
        using (var provider = Provider(maxFileBytes: 300))
        {
            var logger = provider.CreateLogger("Svc");
            for (var i = 1; i <= 40; i++)
                logger.LogInformation("entry {Index}", i);
        }

        var tail = _reader.Tail(LogPath, 8);

        Assert.True(_machine.Os.ReadFile(LogPath + ".1") is not null);
        Assert.Equal(Enumerable.Range(33, 8).Select(i => $"entry {i}"), tail.Select(Message));
    }

    // ---- Follow -----------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Follow_yields_each_appended_line_once_it_is_complete()
    {
        Write(LogPath, "already there\n");
        await using var follow = Follow();
        var first = follow.MoveNextAsync();
        Assert.False(first.IsCompleted); // nothing new yet: it waits

        Write(LogPath, "one\r\ntwo\npar");
        Assert.Equal(["one", "two"], await Take(follow, 2, first));
        Write(LogPath, "tial\n");
        Assert.Equal(["partial"], await Take(follow, 1));
        await AssertNothingMore(follow);
    }

    [Fact]
    public async Task Follow_starts_with_the_last_complete_lines_and_leaves_the_partial_one_for_later()
    {
        Write(LogPath + ".1", Lines(1, 3));
        Write(LogPath, Lines(4, 5) + "line ");

        await using var follow = Follow(4);

        Assert.Equal(Expected(2, 5), await Take(follow, 4));
        Write(LogPath, "6\n");
        Assert.Equal(Expected(6, 6), await Take(follow, 1));
        await AssertNothingMore(follow);
    }

    [Fact]
    public async Task Follow_waits_for_a_file_that_does_not_exist_yet_and_reads_it_from_the_start()
    {
        await using var follow = Follow(10);
        var first = follow.MoveNextAsync();
        await FireUntil(() => _files.OpenReads >= 3, first);
        Assert.False(first.IsCompleted);

        Write(LogPath, Lines(1, 2));

        Assert.Equal(Expected(1, 2), await Take(follow, 2, first));
    }

    [Fact]
    public async Task A_file_that_appears_and_rotates_before_the_first_poll_is_read_but_older_rotated_files_are_not()
    {
        Write(LogPath + ".1", Lines(1, 2)); // from an earlier run: not new
        await using var follow = Follow();
        var first = follow.MoveNextAsync();

        _machine.Process.AsLogFiles().Rename(LogPath + ".1", LogPath + ".2");
        Write(LogPath, Lines(3, 4));
        _machine.Process.AsLogFiles().Rename(LogPath, LogPath + ".1");
        Write(LogPath, Lines(5, 6));

        Assert.Equal(Expected(3, 6), await Take(follow, 4, first));
        await AssertNothingMore(follow);
    }

    [Fact]
    public async Task Between_the_writer_s_rename_and_its_new_file_the_follower_waits_and_loses_nothing()
    {
        Write(LogPath, Lines(1, 1));
        await using var follow = Follow();
        var first = follow.MoveNextAsync();

        Write(LogPath, Lines(2, 2));
        _machine.Process.AsLogFiles().Rename(LogPath, LogPath + ".1");
        Assert.Equal(Expected(2, 2), await Take(follow, 1, first));
        var next = follow.MoveNextAsync();
        var opens = _files.OpenReads;
        await FireUntil(() => _files.OpenReads >= opens + 3, next); // a few polls with nothing at the path
        Assert.False(next.IsCompleted);
        Write(LogPath, Lines(3, 4));
        _machine.Process.AsLogFiles().Rename(LogPath, LogPath + ".1"); // and it rotated again before the next poll
        _machine.Process.AsLogFiles().Delete(LogPath + ".2");
        Write(LogPath, Lines(5, 5));

        Assert.Equal(Expected(3, 5), await Take(follow, 3, next));
        await AssertNothingMore(follow);
    }

    [Fact]
    public async Task Follow_across_rotations_loses_no_line_and_repeats_none()
    {
        using var provider = Provider(maxFileBytes: 200, maxFiles: 4);
        var logger = provider.CreateLogger("Svc");
        await using var follow = Follow();
        var seen = new List<string>();
        var next = 1;
        ValueTask<bool>? started = follow.MoveNextAsync(); // following from now: the file does not exist yet

        // Between two polls: a few entries, sometimes one rotation, sometimes two.
        foreach (var burst in new[] { 2, 3, 5, 1, 4, 9, 2, 7 })
        {
            for (var i = 0; i < burst; i++, next++)
                logger.LogInformation("entry {Index}", next);
            seen.AddRange((await Take(follow, burst, started)).Select(Message));
            started = null;
        }

        Assert.Equal(Enumerable.Range(1, next - 1).Select(i => $"entry {i}"), seen);
        Assert.True(_machine.Os.ReadFile(LogPath + ".2") is not null, "the log did not rotate twice");
        await AssertNothingMore(follow);
    }

    [Fact]
    public async Task Follow_reads_a_file_rotated_past_it_between_two_polls_by_its_identity()
    {
        Write(LogPath, Lines(1, 1));
        await using var follow = Follow(1);
        Assert.Equal(Expected(1, 1), await Take(follow, 1));

        // Two rotations before the follower looks again: its file is now .2, the one after it .1.
        Write(LogPath, Lines(2, 3));
        _machine.Process.AsLogFiles().Rename(LogPath, LogPath + ".1");
        Write(LogPath, Lines(4, 5));
        _machine.Process.AsLogFiles().Rename(LogPath + ".1", LogPath + ".2");
        _machine.Process.AsLogFiles().Rename(LogPath, LogPath + ".1");
        Write(LogPath, Lines(6, 7));

        Assert.Equal(Expected(2, 7), await Take(follow, 6));
        await AssertNothingMore(follow);
    }

    [Fact]
    public async Task Follow_continues_with_a_new_file_after_the_old_one_is_deleted_and_after_truncation()
    {
        Write(LogPath, Lines(1, 1));
        await using var follow = Follow();
        var first = follow.MoveNextAsync();

        Write(LogPath, Lines(2, 2));
        _machine.Os.DeleteFile(LogPath);
        Write(LogPath, Lines(3, 3));
        Assert.Equal(Expected(2, 3), await Take(follow, 2, first));

        _machine.Os.WriteFile(LogPath, "cut\n"); // the same file, cut and rewritten in place (shorter than what was read)
        Assert.Equal(["cut"], await Take(follow, 1));
        await AssertNothingMore(follow);
    }

    [Fact]
    public async Task Cancelling_ends_the_enumeration_quietly_while_it_waits()
    {
        Write(LogPath, Lines(1, 2));
        using var cts = new CancellationTokenSource();
        var seen = new List<string>();

        var consume = Task.Run(async () =>
        {
            await foreach (var line in _reader.FollowAsync(LogPath, 2, cts.Token))
                seen.Add(line);
        });
        await WaitFor(() => _clock.Pending == 1 && seen.Count == 2);
        await cts.CancelAsync();

        await consume.WaitAsync(Deadline); // ends without an exception
        Assert.Equal(Expected(1, 2), seen);
        Assert.Equal(0, _clock.Pending);
        Assert.Equal(0, _files.OpenReaders);
    }

    [Fact]
    public async Task A_token_cancelled_before_the_start_ends_at_once_and_disposing_closes_the_file()
    {
        Write(LogPath, Lines(1, 3));

        var cancelled = new List<string>();
        await foreach (var line in _reader.FollowAsync(LogPath, 1, new CancellationToken(canceled: true)))
            cancelled.Add(line);

        Assert.Equal(Expected(3, 3), cancelled); // what was in hand is handed out, then it ends
        Assert.Equal(0, _files.OpenReaders);

        var follow = Follow();
        var pending = follow.MoveNextAsync();
        Write(LogPath, Lines(4, 4));
        Assert.Equal(Expected(4, 4), await Take(follow, 1, pending));
        Assert.Equal(1, _files.OpenReaders);
        await follow.DisposeAsync();
        Assert.Equal(0, _files.OpenReaders);
    }

    [Fact]
    public async Task The_follower_does_not_wake_up_without_time_passing_and_polls_every_poll_interval()
    {
        Write(LogPath, Lines(1, 1));
        await using var follow = Follow();
        var start = _clock.GetUtcNow();
        var pending = follow.MoveNextAsync();
        Assert.Equal(1, _clock.Pending);
        var stats = _files.Stats;
        var reads = _machine.Os.LogReads;

        // Real time passes; simulated time does not: no look at the file system at all.
        var idle = Stopwatch.StartNew();
        while (idle.Elapsed < TimeSpan.FromMilliseconds(200))
            await Task.Delay(10);
        Assert.Equal(stats, _files.Stats);
        Assert.Equal(reads, _machine.Os.LogReads);
        Assert.False(pending.IsCompleted);

        for (var poll = 1; poll <= 3; poll++)
        {
            Assert.True(_clock.FireNext());
            await WaitFor(() => _files.Stats == stats + poll && _clock.Pending == 1);
            Assert.Equal(start + poll * DaemonLogReader.DefaultPollInterval, _clock.GetUtcNow());
        }

        Assert.Equal(TimeSpan.FromMilliseconds(200), DaemonLogReader.DefaultPollInterval);
        Assert.Equal(DaemonLogReader.DefaultPollInterval, _reader.PollInterval);
        var faster = new DaemonLogReader(_files, _clock) { PollInterval = TimeSpan.FromMilliseconds(50) };
        Assert.Equal(TimeSpan.FromMilliseconds(50), faster.PollInterval);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DaemonLogReader(_files, _clock) { PollInterval = TimeSpan.Zero });
        await _stop.CancelAsync();
        Assert.False(await pending);
    }

    // ---- helpers ----------------------------------------------------------------------------------------------------

    private DaemonFileLoggerProvider Provider(long maxFileBytes, int maxFiles = 3) =>
        new(new DaemonFileLogOptions { Path = LogPath, MaxFileSizeBytes = maxFileBytes, MaxFiles = maxFiles }, _machine.Ports.LogFiles, _machine.Time);

    /// <summary>The message of a text entry (<c>… Svc[0] message</c>).</summary>
    private static string Message(string line) => line[(line.IndexOf("] ", StringComparison.Ordinal) + 2)..];

    /// <summary>
    /// The next <paramref name="count"/> lines, firing the follower's timer whenever it waits (the simulated clock moves
    /// only then). Between two calls the follower is suspended, so what a test writes meanwhile is seen at the next poll.
    /// </summary>
    private async Task<List<string>> Take(IAsyncEnumerator<string> follow, int count, ValueTask<bool>? first = null)
    {
        var lines = new List<string>();
        while (lines.Count < count)
        {
            var move = first ?? follow.MoveNextAsync();
            first = null;
            await FireUntil(() => false, move);
            Assert.True(await move, $"the enumeration ended after [{string.Join(", ", lines)}]");
            lines.Add(follow.Current);
        }

        return lines;
    }

    /// <summary>Fires the follower's timer until <paramref name="move"/> completes or <paramref name="done"/> holds; a deadline in real time.</summary>
    private async Task FireUntil(Func<bool> done, ValueTask<bool> move)
    {
        var deadline = Stopwatch.StartNew();
        while (!move.IsCompleted && !done())
        {
            if (deadline.Elapsed > Deadline)
            {
                // Stop the follower first, so disposing it does not hide this failure.
                await _stop.CancelAsync();
                await move;
                Assert.Fail("the follower neither yielded nor got where expected before the deadline");
            }

            if (!_clock.FireNext())
                await Task.Delay(1);
        }
    }

    /// <summary>After several more polls nothing else is yielded.</summary>
    private async Task AssertNothingMore(IAsyncEnumerator<string> follow)
    {
        var move = follow.MoveNextAsync();
        var stats = _files.Stats;
        await FireUntil(() => _files.Stats >= stats + 5, move);
        Assert.False(move.IsCompleted, move.IsCompleted ? $"unexpected line: {follow.Current}" : "");
        await _stop.CancelAsync();
        Assert.False(await move);
        Assert.Equal(0, _files.OpenReaders);
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < Deadline, "the condition did not hold before the deadline");
            await Task.Delay(1);
        }
    }

    /// <summary>The fake's log files, counting what the reader asks for and how many readers it holds open.</summary>
    private sealed class CountingLogFiles(ILogFiles inner) : ILogFiles
    {
        private int _stats;
        private int _openReads;
        private int _openReaders;

        public int Stats => Volatile.Read(ref _stats);

        public int OpenReads => Volatile.Read(ref _openReads);

        public int OpenReaders => Volatile.Read(ref _openReaders);

        public Fin<ILogFile> OpenAppend(string path) => inner.OpenAppend(path);

        public Fin<Unit> Rename(string from, string to) => inner.Rename(from, to);

        public Fin<Unit> Delete(string path) => inner.Delete(path);

        public Fin<Option<LogFileStat>> Stat(string path)
        {
            Interlocked.Increment(ref _stats);
            return inner.Stat(path);
        }

        public Fin<Option<ILogFileReader>> OpenRead(string path)
        {
            Interlocked.Increment(ref _openReads);
            return inner.OpenRead(path).Map(opened => opened.Map(reader =>
            {
                Interlocked.Increment(ref _openReaders);
                return (ILogFileReader)new Counted(reader, this);
            }));
        }

        private sealed class Counted(ILogFileReader inner, CountingLogFiles owner) : ILogFileReader
        {
            private int _disposed;

            public LogFileId Id => inner.Id;

            public Fin<long> Length() => inner.Length();

            public Fin<int> Read(long offset, Span<byte> buffer) => inner.Read(offset, buffer);

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _disposed, 1) == 0)
                    Interlocked.Decrement(ref owner._openReaders);
                inner.Dispose();
            }
        }
    }
}
