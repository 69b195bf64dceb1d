using System.Runtime.InteropServices;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Outfitter.Daemon.Core.Ipc;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Ipc;

public sealed class LineFramingTests
{
    private const int RoomyMax = 10_000;

    // Examples

    [Fact]
    public void Empty_input_needs_more_and_has_scanned_nothing()
    {
        Assert.Equal(new FrameStep(FrameScan.NeedMore, 0, 0, 0), LineFraming.Next(ReadOnlySpan<byte>.Empty, 0, RoomyMax));
    }

    [Fact]
    public void A_lone_newline_is_an_empty_line_that_consumes_one_byte()
    {
        Assert.Equal(new FrameStep(FrameScan.Line, 0, 1, 0), LineFraming.Next("\n"u8, 0, RoomyMax));
    }

    [Fact]
    public void A_line_followed_by_a_partial_line_gives_the_line_then_needs_more()
    {
        var buffered = "a\nb"u8;

        var first = LineFraming.Next(buffered, 0, RoomyMax);
        Assert.Equal(new FrameStep(FrameScan.Line, 1, 2, 0), first);

        var rest = buffered[first.Consumed..];
        Assert.Equal(new FrameStep(FrameScan.NeedMore, 0, 0, 1), LineFraming.Next(rest, 0, RoomyMax));
    }

    [Fact]
    public void A_carriage_return_before_the_newline_stays_in_the_line_for_the_json_parser()
    {
        Assert.Equal(new FrameStep(FrameScan.Line, 3, 4, 0), LineFraming.Next("{}\r\n"u8, 0, RoomyMax));
    }

    [Fact]
    public void Only_the_first_of_several_complete_lines_is_reported()
    {
        Assert.Equal(new FrameStep(FrameScan.Line, 3, 4, 0), LineFraming.Next("abc\nde\nf\n"u8, 0, RoomyMax));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void A_negative_scanned_count_is_a_programmer_error(int scanned)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LineFraming.Next("abc"u8, scanned, RoomyMax));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(int.MaxValue)]
    public void A_scanned_count_beyond_the_buffer_is_a_programmer_error(int scanned)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LineFraming.Next("abc"u8, scanned, RoomyMax));
    }

    [Fact]
    public void A_scanned_count_equal_to_the_buffer_length_is_allowed()
    {
        Assert.Equal(new FrameStep(FrameScan.NeedMore, 0, 0, 3), LineFraming.Next("abc"u8, 3, RoomyMax));
    }

    [Fact]
    public void A_line_of_exactly_the_limit_is_accepted()
    {
        Assert.Equal(new FrameStep(FrameScan.Line, 4, 5, 0), LineFraming.Next("abcd\n"u8, 0, 4));
    }

    [Fact]
    public void A_partial_line_of_exactly_the_limit_still_needs_more()
    {
        Assert.Equal(new FrameStep(FrameScan.NeedMore, 0, 0, 4), LineFraming.Next("abcd"u8, 0, 4));
    }

    [Fact]
    public void A_partial_line_one_byte_over_the_limit_is_too_large_without_waiting_for_its_newline()
    {
        Assert.Equal(FrameScan.TooLarge, LineFraming.Next("abcde"u8, 0, 4).Scan);
    }

    [Fact]
    public void A_complete_line_over_the_limit_is_too_large_even_though_its_newline_arrived()
    {
        var step = LineFraming.Next("abcde\nf\n"u8, 0, 4);

        Assert.Equal(FrameScan.TooLarge, step.Scan);
        Assert.Equal(0, step.Consumed);
    }

    [Fact]
    public void With_a_zero_limit_only_empty_lines_are_accepted()
    {
        Assert.Equal(new FrameStep(FrameScan.Line, 0, 1, 0), LineFraming.Next("\n"u8, 0, 0));
        Assert.Equal(FrameScan.TooLarge, LineFraming.Next("a"u8, 0, 0).Scan);
    }

    [Fact]
    public void A_stream_cut_inside_a_multi_byte_character_gives_the_whole_character_back()
    {
        // "😀" is F0 9F 98 80; every cut falls inside it.
        var stream = Encoding.UTF8.GetBytes("é✓😀\n");

        var result = Feed(stream, new[] { 1 }, RoomyMax);

        Assert.False(result.TooLarge);
        Assert.Equal("é✓😀", Encoding.UTF8.GetString(Assert.Single(result.Frames)));
    }

    [Fact]
    public void Feeding_one_byte_at_a_time_reports_too_large_at_limit_plus_one_buffered_bytes()
    {
        var result = Feed(Encoding.ASCII.GetBytes(new string('x', 50) + "\n"), new[] { 1 }, 10);

        Assert.True(result.TooLarge);
        Assert.Equal(11, result.BufferedAtTooLarge);
    }

    [Fact]
    public void The_default_limit_is_four_mebibytes()
    {
        Assert.Equal(4 * 1024 * 1024, LineFraming.DefaultMaxLineBytes);
        Assert.Equal((byte)'\n', LineFraming.Newline);
    }

    // Properties

    [Property]
    public Property Any_chunking_of_a_stream_gives_the_same_frames_as_feeding_it_whole_and_they_are_the_original_lines() =>
        Prop.ForAll(
            Arb.From(
                from lines in Lines
                from tail in Line
                from chunks in ChunkSizes
                select (Lines: lines, Tail: tail, Chunks: chunks)),
            c =>
            {
                var stream = Terminated(c.Lines).Concat(c.Tail).ToArray();

                var chunked = Feed(stream, c.Chunks, RoomyMax);
                var whole = Feed(stream, new[] { Math.Max(1, stream.Length) }, RoomyMax);

                Assert.False(chunked.TooLarge);
                Assert.False(whole.TooLarge);
                Assert.Equal(whole.Frames, chunked.Frames);
                Assert.Equal(c.Lines, chunked.Frames);
                Assert.Equal(c.Tail.Length, chunked.Leftover);
            });

    [Property]
    public Property A_line_longer_than_the_limit_is_reported_too_large_before_more_than_limit_plus_one_chunk_is_held() =>
        Prop.ForAll(
            Arb.From(
                from max in Gen.Choose(0, 40)
                from before in ShortLines(max)
                from excess in Gen.Choose(1, 60)
                from longLine in LineOfLength(max + excess)
                from terminated in Gen.Elements(true, false)
                from after in Lines
                from chunks in ChunkSizes
                select (Max: max, Before: before, Long: longLine, Terminated: terminated, After: after, Chunks: chunks)),
            c =>
            {
                var longPart = c.Terminated ? c.Long.Append(LineFraming.Newline).Concat(Terminated(c.After)) : c.Long;
                var stream = Terminated(c.Before).Concat(longPart).ToArray();

                var result = Feed(stream, c.Chunks, c.Max);

                Assert.True(result.TooLarge);
                Assert.Equal(c.Before, result.Frames);
                Assert.True(result.BufferedAtTooLarge <= c.Max + c.Chunks.Max(), $"held {result.BufferedAtTooLarge} bytes with limit {c.Max}");
                Assert.True(result.LargestWhileWaiting <= c.Max, $"waited with {result.LargestWhileWaiting} bytes buffered, limit {c.Max}");
            });

    [Property]
    public Property Fed_one_byte_at_a_time_an_over_long_line_is_reported_with_exactly_limit_plus_one_bytes_held() =>
        Prop.ForAll(
            Arb.From(
                from max in Gen.Choose(0, 40)
                from before in ShortLines(max)
                from excess in Gen.Choose(1, 20)
                from longLine in LineOfLength(max + excess)
                select (Max: max, Before: before, Long: longLine)),
            c =>
            {
                var result = Feed(Terminated(c.Before).Concat(c.Long).ToArray(), new[] { 1 }, c.Max);

                Assert.True(result.TooLarge);
                Assert.Equal(c.Max + 1, result.BufferedAtTooLarge);
            });

    [Property]
    public Property Without_a_newline_the_buffer_is_too_large_exactly_when_it_exceeds_the_limit() =>
        Prop.ForAll(
            Arb.From(
                from bytes in Line
                from max in Gen.Choose(0, 60)
                from scanned in Gen.Choose(0, bytes.Length)
                select (Bytes: bytes, Max: max, Scanned: scanned)),
            c =>
            {
                var step = LineFraming.Next(c.Bytes, c.Scanned, c.Max);

                Assert.Equal(c.Bytes.Length > c.Max ? FrameScan.TooLarge : FrameScan.NeedMore, step.Scan);
                if (step.Scan == FrameScan.NeedMore)
                    Assert.Equal(c.Bytes.Length, step.Scanned);
            });

    [Property]
    public Property A_line_of_exactly_the_limit_is_accepted_however_it_is_chunked() =>
        Prop.ForAll(
            Arb.From(
                from max in Gen.Choose(0, 60)
                from line in LineOfLength(max)
                from chunks in ChunkSizes
                select (Max: max, Line: line, Chunks: chunks)),
            c =>
            {
                var result = Feed(c.Line.Append(LineFraming.Newline).ToArray(), c.Chunks, c.Max);

                Assert.False(result.TooLarge);
                Assert.Equal(c.Line, Assert.Single(result.Frames));
            });

    [Property]
    public Property Passing_back_a_scanned_prefix_gives_the_same_step_as_scanning_from_the_start() =>
        Prop.ForAll(
            Arb.From(
                from prefix in Line
                from rest in Gen.Frequency((1, Line), (2, Lines.Select(ls => Terminated(ls).ToArray())))
                from scanned in Gen.Choose(0, prefix.Length)
                from max in Gen.Frequency((3, Gen.Constant(RoomyMax)), (1, Gen.Choose(0, 40)))
                select (Buffered: prefix.Concat(rest).ToArray(), Scanned: scanned, Max: max)),
            c => Assert.Equal(LineFraming.Next(c.Buffered, 0, c.Max), LineFraming.Next(c.Buffered, c.Scanned, c.Max)));

    [Property]
    public Property The_scanned_count_from_need_more_stays_valid_after_more_bytes_arrive() =>
        Prop.ForAll(
            Arb.From(
                from first in Line
                from more in Gen.Frequency((1, Line), (2, Lines.Select(ls => Terminated(ls).ToArray())))
                select (First: first, More: more)),
            c =>
            {
                var waiting = LineFraming.Next(c.First, 0, RoomyMax);
                Assert.Equal(FrameScan.NeedMore, waiting.Scan);

                var buffered = c.First.Concat(c.More).ToArray();
                Assert.Equal(LineFraming.Next(buffered, 0, RoomyMax), LineFraming.Next(buffered, waiting.Scanned, RoomyMax));
            });

    // Harness

    /// <summary>What feeding a stream through <see cref="LineFraming.Next"/> produced.</summary>
    /// <param name="Frames">The complete lines, newline excluded, in order.</param>
    /// <param name="TooLarge">Whether an over-long line stopped the feed.</param>
    /// <param name="BufferedAtTooLarge">Bytes buffered when TooLarge was reported (0 if it never was).</param>
    /// <param name="LargestWhileWaiting">The largest buffer for which NeedMore was returned.</param>
    /// <param name="Leftover">Bytes left buffered at the end (a partial last line).</param>
    private sealed record FeedResult(List<byte[]> Frames, bool TooLarge, int BufferedAtTooLarge, int LargestWhileWaiting, int Leftover);

    /// <summary>
    /// Feeds <paramref name="stream"/> in chunks of the given sizes (cycled) into a buffer the way a connection reader
    /// does: consume every complete line, remember Scanned on NeedMore, stop on TooLarge.
    /// </summary>
    private static FeedResult Feed(byte[] stream, IReadOnlyList<int> chunkSizes, int max)
    {
        var buffer = new List<byte>();
        var frames = new List<byte[]>();
        var scanned = 0;
        var largestWhileWaiting = 0;
        var position = 0;
        var chunk = 0;
        while (position < stream.Length)
        {
            var size = Math.Min(chunkSizes[chunk++ % chunkSizes.Count], stream.Length - position);
            buffer.AddRange(stream.AsSpan(position, size));
            position += size;
            while (true)
            {
                var step = LineFraming.Next(CollectionsMarshal.AsSpan(buffer), scanned, max);
                if (step.Scan == FrameScan.TooLarge)
                    return new FeedResult(frames, true, buffer.Count, largestWhileWaiting, buffer.Count);
                if (step.Scan == FrameScan.NeedMore)
                {
                    scanned = step.Scanned;
                    largestWhileWaiting = Math.Max(largestWhileWaiting, buffer.Count);
                    break;
                }

                frames.Add(buffer.GetRange(0, step.Length).ToArray());
                buffer.RemoveRange(0, step.Consumed);
                scanned = 0;
            }
        }

        return new FeedResult(frames, false, 0, largestWhileWaiting, buffer.Count);
    }

    private static IEnumerable<byte> Terminated(IEnumerable<byte[]> lines) => lines.SelectMany(line => line.Append(LineFraming.Newline));

    // Generators

    /// <summary>A piece of a line: ASCII (JSON punctuation, \r), a multi-byte character, or any byte but the newline.</summary>
    private static Gen<byte[]> Atom =>
        Gen.Frequency(
            (4, Gen.Elements("a", "Z", "0", "{", "}", "\"", ":", ",", " ", "\r", "\\").Select(Encoding.UTF8.GetBytes)),
            (3, Gen.Elements("é", "✓", "😀").Select(Encoding.UTF8.GetBytes)),
            (1, Gen.Choose(0, 255).Where(b => b != LineFraming.Newline).Select(b => new[] { (byte)b })));

    /// <summary>A line without its newline, possibly empty.</summary>
    private static Gen<byte[]> Line =>
        Gen.Choose(0, 12).SelectMany(n => Gen.ArrayOf(Atom, n)).Select(atoms => atoms.SelectMany(a => a).ToArray());

    private static Gen<byte[][]> Lines => Gen.Choose(0, 6).SelectMany(n => Gen.ArrayOf(Line, n));

    /// <summary>Lines no longer than <paramref name="max"/> bytes.</summary>
    private static Gen<byte[][]> ShortLines(int max) =>
        Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, max).SelectMany(LineOfLength), n));

    /// <summary>A line of exactly <paramref name="length"/> bytes (multi-byte characters may be cut at its end).</summary>
    private static Gen<byte[]> LineOfLength(int length) =>
        Gen.ArrayOf(Atom, length).Select(atoms => atoms.SelectMany(a => a).Take(length).ToArray());

    /// <summary>Chunk sizes from 1 byte (every cut) to a few dozen, cycled by the harness.</summary>
    private static Gen<int[]> ChunkSizes =>
        Gen.Choose(1, 5).SelectMany(n => Gen.ArrayOf(Gen.Frequency((4, Gen.Choose(1, 4)), (2, Gen.Choose(5, 16)), (1, Gen.Choose(17, 64))), n));
}
