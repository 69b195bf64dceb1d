using System.Runtime.CompilerServices;
using LanguageExt;
using LanguageExt.Common;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Errors;
using Outfitter.Daemon.Core.Logging;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Logging;

namespace Outfitter.Daemon;

/// <summary>
/// Reads the rotating log <see cref="DaemonFileLoggerProvider"/> writes (or any file of lines): the last lines, across
/// the rotation boundary into <c>path.1</c>, and the lines appended from now on, across rotations. It only reads: no
/// lock is taken, and the writer's appends, renames and deletes are never refused. A line is what ends with <c>\n</c>
/// (a <c>\r</c> before it is dropped, so CRLF files read the same); bytes that are not valid UTF-8 read as U+FFFD, never
/// as an exception. A text entry with several lines (an exception, a multi-line message) counts as that many lines.
/// Thread-safe: it keeps no state between calls.
/// </summary>
/// <remarks>
/// <see cref="FollowAsync"/> polls: every <see cref="PollInterval"/> (default 200 ms) it asks whether the file grew and
/// whether the path still names the file it is reading, with timers from the given <see cref="TimeProvider"/>, so a test
/// clock decides when it looks and nothing spins. A rotation is recognised by the file's identity (device and inode on
/// Unix, volume and file index on Windows): the follower finishes the file it has open, which is now <c>path.1</c>, then
/// reads the new file from its start, so no line is lost or repeated. Lines are lost only when the log rotates more than
/// <c>MaxFiles - 1</c> times within one poll, or when a file is truncated in place (then it reads again from the start).
/// </remarks>
public sealed class DaemonLogReader
{
    /// <summary>The default <see cref="PollInterval"/>: 200 ms.</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>Bytes read per call when reading backwards for <see cref="Tail"/>.</summary>
    internal const int TailChunkBytes = 8 * 1024;

    /// <summary>Bytes read per call while following.</summary>
    internal const int FollowChunkBytes = 64 * 1024;

    /// <summary>Bytes a follower reads before it hands out what it has and looks at the file again.</summary>
    internal const int FollowBytesPerPoll = 1024 * 1024;

    /// <summary>A line longer than this (a file without newlines) is handed out in pieces of this size while following.</summary>
    internal const int MaxLineBytes = 1024 * 1024;

    private readonly ILogFiles _files;
    private readonly TimeProvider _time;
    private readonly TimeSpan _pollInterval = DefaultPollInterval;

    /// <summary>Reads this operating system's file system, with its clock.</summary>
    public DaemonLogReader()
        : this(OsPorts.Current.LogFiles, OsPorts.Current.Time)
    {
    }

    /// <summary>Reads through the given ports (for example the test kit's <c>FakeMachine.Ports.LogFiles</c> and its clock).</summary>
    /// <param name="files">The file operations.</param>
    /// <param name="time">The clock <see cref="FollowAsync"/> waits on between polls.</param>
    public DaemonLogReader(ILogFiles files, TimeProvider time)
    {
        _files = files ?? throw new ArgumentNullException(nameof(files));
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    /// <summary>How long <see cref="FollowAsync"/> waits before it looks at the file again when nothing new was there (default 200 ms).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Zero, negative or infinite.</exception>
    public TimeSpan PollInterval
    {
        get => _pollInterval;
        init => _pollInterval = value > TimeSpan.Zero && value != Timeout.InfiniteTimeSpan
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "The poll interval must be positive and finite.");
    }

    /// <summary>Whether <paramref name="path"/> names a file now. False when it or a parent directory is missing, or cannot be looked at.</summary>
    /// <param name="path">The log file.</param>
    public bool Exists(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var stat = _files.Stat(path);
        return stat.IsSucc && ((Option<LogFileStat>)stat).IsSome;
    }

    /// <summary>
    /// The last <paramref name="lines"/> lines of the log, oldest first. The file is read backwards from its end in chunks
    /// of 8 KiB, so the cost is the size of those lines, not of the file. When the file has fewer lines, the rest are the
    /// last lines of <c>path.1</c> (the file before the last rotation). A last line without its newline yet is included.
    /// Nothing at <paramref name="path"/> gives an empty list (<see cref="Exists"/> tells it apart from an empty file).
    /// </summary>
    /// <param name="path">The log file.</param>
    /// <param name="lines">How many lines, 0 or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lines"/> is negative.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    /// <exception cref="IOException">The path is not a regular file, or reading failed.</exception>
    public IReadOnlyList<string> Tail(string path, int lines)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegative(lines);
        using var current = Open(path);
        if (current is null || lines == 0)
            return [];
        var tail = LastLines(current, Unwrap(current.Length()), lines, path, completeOnly: false).Lines;
        if (tail.Count < lines)
            tail.InsertRange(0, PreviousLines(path, current.Id, lines - tail.Count));
        return tail;
    }

    /// <summary>
    /// The lines appended to the log from now on, each once it is complete (has its newline), in order, across rotations;
    /// first the last <paramref name="initialLines"/> complete lines already there (as <see cref="Tail"/>, including
    /// <c>path.1</c>), so <c>tail -n 10 -f</c> is <c>FollowAsync(path, 10)</c> with no gap or overlap between the two.
    /// A file that does not exist yet is waited for and read from its start; so is the file a rotation (or a deletion
    /// and a new writer) puts at the path. Looks every <see cref="PollInterval"/> while nothing new is there.
    /// </summary>
    /// <remarks>
    /// Cancelling <paramref name="cancellationToken"/> ends the enumeration quietly: the pending <c>MoveNextAsync</c>
    /// returns false, no <see cref="OperationCanceledException"/> is thrown. The file it has open is closed when the
    /// enumeration ends or is disposed. A failure a wait may cure (a read error) is tried again at the next poll; one it
    /// will not (no permission, the path names a directory) ends the enumeration with an exception.
    /// </remarks>
    /// <param name="path">The log file.</param>
    /// <param name="initialLines">How many lines already in the log to yield first (default 0: only new ones).</param>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initialLines"/> is negative.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read (from <c>MoveNextAsync</c>).</exception>
    /// <exception cref="IOException">The path is not a regular file (from <c>MoveNextAsync</c>).</exception>
    public IAsyncEnumerable<string> FollowAsync(string path, int initialLines = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegative(initialLines);
        return Follow(path, initialLines, cancellationToken);
    }

    private async IAsyncEnumerable<string> Follow(string path, int initialLines, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var follower = new Follower(this, path);
        try
        {
            var batch = follower.Start(initialLines);
            while (true)
            {
                foreach (var line in batch)
                    yield return line;
                batch.Clear();
                if (cancellationToken.IsCancellationRequested)
                    yield break;
                if (follower.Poll(batch))
                    continue;
                if (!await WaitAsync(cancellationToken).ConfigureAwait(false))
                    yield break;
            }
        }
        finally
        {
            follower.Dispose();
        }
    }

    /// <summary>Waits one poll interval on the injected clock; false when cancelled.</summary>
    private async Task<bool> WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(_pollInterval, _time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The last lines of <c>path.1</c>, unless it is the file already read (a rotation in between).</summary>
    private List<string> PreviousLines(string path, LogFileId current, int lines)
    {
        using var previous = Open(path + ".1");
        if (previous is null || previous.Id == current)
            return [];
        return LastLines(previous, Unwrap(previous.Length()), lines, path + ".1", completeOnly: false).Lines;
    }

    /// <summary>
    /// The last <paramref name="want"/> lines of the bytes before <paramref name="end"/>, read backwards in chunks, and the
    /// offset just after them. With <paramref name="completeOnly"/> a last line without its newline is left out (and the
    /// offset is its start).
    /// </summary>
    private static (List<string> Lines, long End) LastLines(ILogFileReader reader, long end, int want, string path, bool completeOnly)
    {
        var chunks = new List<(long Offset, byte[] Bytes)>();
        var position = end;
        var lineEnd = completeOnly ? -1L : end;
        var start = 0L;
        var newlines = 0;
        var found = want == 0 && !completeOnly;
        while (position > 0 && !found)
        {
            var size = (int)Math.Min(TailChunkBytes, position);
            position -= size;
            var bytes = new byte[size];
            ReadExactly(reader, position, bytes, path);
            chunks.Add((position, bytes));
            for (var i = size - 1; i >= 0; i--)
            {
                var at = position + i;
                if (bytes[i] != (byte)'\n')
                    continue;
                if (lineEnd < 0)
                {
                    // Following: the lines end at the last newline; what comes after it is not complete yet.
                    lineEnd = at + 1;
                    if (want == 0)
                    {
                        start = lineEnd;
                        found = true;
                        break;
                    }

                    continue;
                }

                if (at == lineEnd - 1)
                    continue; // the newline that ends the last line
                if (++newlines == want)
                {
                    start = at + 1;
                    found = true;
                    break;
                }
            }
        }

        if (lineEnd < 0)
            return ([], 0); // no complete line at all
        var text = new byte[lineEnd - start];
        foreach (var (offset, bytes) in chunks)
        {
            var from = Math.Max(offset, start);
            var to = Math.Min(offset + bytes.Length, lineEnd);
            if (from < to)
                bytes.AsSpan((int)(from - offset), (int)(to - from)).CopyTo(text.AsSpan((int)(from - start)));
        }

        var lines = new List<string>();
        var splitter = new LineSplitter();
        splitter.Feed(text, lines);
        splitter.Flush(lines);
        return (lines, lineEnd);
    }

    private static void ReadExactly(ILogFileReader reader, long offset, Span<byte> buffer, string path)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = Unwrap(reader.Read(offset + total, buffer[total..]));
            if (n == 0)
                throw new IOException($"{path} became shorter while it was read; read it again.");
            total += n;
        }
    }

    /// <summary>The file open for reading, or null when nothing is at the path.</summary>
    private ILogFileReader? Open(string path) => Unwrap(_files.OpenRead(path)).Case as ILogFileReader;

    private static T Unwrap<T>(Fin<T> result) => result.IsSucc ? (T)result : throw ToException((Error)result);

    private static Exception ToException(Error error) => error.Code switch
    {
        OsErrors.PermissionDeniedCode => new UnauthorizedAccessException(error.Message),
        OsErrors.IoCode => new TransientReadException(error.Message),
        _ => new IOException(error.Message),
    };

    /// <summary>A read failure a later poll may not meet again.</summary>
    private sealed class TransientReadException(string message) : IOException(message);

    /// <summary>One enumeration of <see cref="FollowAsync"/>: the file it has open, how far it has read, and the partial line.</summary>
    private sealed class Follower(DaemonLogReader owner, string path) : IDisposable
    {
        private readonly byte[] _buffer = new byte[FollowChunkBytes];
        private readonly LineSplitter _splitter = new(MaxLineBytes);
        private ILogFileReader? _reader;
        private long _offset;
        private System.Collections.Generic.HashSet<LogFileId>? _waitingSince;

        /// <summary>Opens the file if it is there and returns the last <paramref name="initialLines"/> complete lines.</summary>
        public List<string> Start(int initialLines)
        {
            // Taken before looking at the path, so a file that appears and is rotated away at once is still read.
            var rotated = RotatedIds();
            _reader = owner.Open(path);
            if (_reader is null)
            {
                _waitingSince = rotated;
                return [];
            }

            var (lines, end) = LastLines(_reader, Unwrap(_reader.Length()), initialLines, path, completeOnly: true);
            _offset = end;
            if (lines.Count < initialLines)
                lines.InsertRange(0, owner.PreviousLines(path, _reader.Id, initialLines - lines.Count));
            return lines;
        }

        /// <summary>
        /// Reads what is new, into <paramref name="batch"/>; true when it found something (or a new file), so the caller
        /// looks again at once instead of waiting. Failures that a later poll may cure leave the state as it was.
        /// </summary>
        public bool Poll(List<string> batch)
        {
            try
            {
                return PollOnce(batch);
            }
            catch (TransientReadException)
            {
                return batch.Count > 0;
            }
        }

        private bool PollOnce(List<string> batch)
        {
            if (_reader is null)
            {
                _reader = owner.Open(path);
                if (_reader is null)
                    return false;
                _offset = 0;
                // The rotated files that were not there when we began to wait came after it: read them first.
                var known = _waitingSince;
                _waitingSince = null;
                if (known is not null)
                    ReadNewer(batch, known.Contains, whenNoneKnown: true);
            }

            var (read, more) = Drain(batch, FollowBytesPerPoll);
            if (more)
                return true;
            var now = Unwrap(owner._files.Stat(path)).Case as LogFileStat;
            if (now is not null && now.Id == _reader.Id)
            {
                if (Unwrap(_reader.Length()) >= _offset)
                    return read > 0;
                // Truncated in place: what is there now is new.
                _offset = 0;
                _splitter.Clear();
                return true;
            }

            // The path names another file, or nothing: ours was rotated (renamed to path.1) or deleted. Finish it, then
            // the files rotated past while we were not looking, then the new one from its start.
            while (Drain(batch, int.MaxValue).More)
            {
            }

            _splitter.Flush(batch);
            var finished = _reader.Id;
            _reader.Dispose();
            _reader = null;
            _offset = 0;
            ReadNewer(batch, id => id == finished, whenNoneKnown: false);
            var rotated = RotatedIds();
            _reader = owner.Open(path);
            if (_reader is null)
                _waitingSince = rotated; // between the writer's rename and its new file, or the log was removed
            return true;
        }

        /// <summary>The identities of <c>path.1</c>, <c>path.2</c>, … as they are now.</summary>
        private System.Collections.Generic.HashSet<LogFileId> RotatedIds()
        {
            var ids = new System.Collections.Generic.HashSet<LogFileId>();
            for (var k = 1; k < LogRotation.MaxMaxFiles; k++)
            {
                if (Unwrap(owner._files.Stat($"{path}.{k}")).Case is not LogFileStat stat)
                    break;
                ids.Add(stat.Id);
            }

            return ids;
        }

        /// <summary>
        /// Reads whole, oldest first, the rotated files newer than the last one read: <c>path.1</c> … up to the first that
        /// is <paramref name="known"/> (that one and older ones were read, or were there before). When none is known, all
        /// of them with <paramref name="whenNoneKnown"/>, none without (the file we finished was deleted, not rotated, so
        /// which are newer cannot be told; none is read rather than any twice).
        /// </summary>
        private void ReadNewer(List<string> batch, Func<LogFileId, bool> known, bool whenNoneKnown)
        {
            var newer = new List<ILogFileReader>();
            try
            {
                var found = false;
                for (var k = 1; k < LogRotation.MaxMaxFiles && !found; k++)
                {
                    var reader = owner.Open($"{path}.{k}");
                    if (reader is null)
                        break;
                    if (known(reader.Id))
                    {
                        reader.Dispose();
                        found = true;
                    }
                    else
                    {
                        newer.Add(reader);
                    }
                }

                if (!found && !whenNoneKnown)
                    return;
                for (var i = newer.Count - 1; i >= 0; i--)
                {
                    var splitter = new LineSplitter(MaxLineBytes);
                    var length = Unwrap(newer[i].Length());
                    for (var offset = 0L; offset < length;)
                    {
                        var n = Unwrap(newer[i].Read(offset, _buffer));
                        if (n == 0)
                            break;
                        splitter.Feed(_buffer.AsSpan(0, n), batch);
                        offset += n;
                    }

                    splitter.Flush(batch);
                }
            }
            finally
            {
                foreach (var reader in newer)
                    reader.Dispose();
            }
        }

        /// <summary>Reads from the offset towards the end, up to <paramref name="limit"/> bytes; whether more is there.</summary>
        private (long Read, bool More) Drain(List<string> batch, int limit)
        {
            var length = Unwrap(_reader!.Length());
            var read = 0L;
            while (_offset < length)
            {
                if (read >= limit)
                    return (read, true);
                var n = Unwrap(_reader.Read(_offset, _buffer.AsSpan(0, (int)Math.Min(_buffer.Length, length - _offset))));
                if (n == 0)
                    break;
                _splitter.Feed(_buffer.AsSpan(0, n), batch);
                _offset += n;
                read += n;
            }

            return (read, false);
        }

        public void Dispose()
        {
            _reader?.Dispose();
            _reader = null;
        }
    }
}
