namespace Outfitter.Daemon.Core.Ipc;

/// <summary>What <see cref="LineFraming.Next"/> found in the buffered bytes.</summary>
internal enum FrameScan
{
    /// <summary>A complete line: <see cref="FrameStep.Length"/> bytes, then a newline.</summary>
    Line,

    /// <summary>No newline yet; keep the bytes and read more.</summary>
    NeedMore,

    /// <summary>The line exceeds the limit: stop buffering it (it is never held whole).</summary>
    TooLarge,
}

/// <summary>The result of one framing step. Immutable.</summary>
/// <param name="Scan">What was found.</param>
/// <param name="Length">For <see cref="FrameScan.Line"/>, the line's length without its newline.</param>
/// <param name="Consumed">For <see cref="FrameScan.Line"/>, the bytes to drop from the front (line and newline).</param>
/// <param name="Scanned">For <see cref="FrameScan.NeedMore"/>, how many bytes are known to hold no newline (pass it back in).</param>
internal readonly record struct FrameStep(FrameScan Scan, int Length, int Consumed, int Scanned);

/// <summary>
/// The wire framing, as a pure incremental function: one UTF-8 JSON object per line, ending in <c>\n</c>. The caller owns
/// the buffer (bytes received and not yet consumed); this function only says where the next frame ends. Because frames are
/// cut at the newline byte, which never occurs inside a multi-byte UTF-8 sequence, any chunking of the same byte stream
/// gives the same frames. A line longer than the limit is reported as soon as the buffered part exceeds it, so the caller
/// never has to hold it whole. A trailing <c>\r</c> is left to the JSON parser (it is whitespace there).
/// </summary>
internal static class LineFraming
{
    /// <summary>The default longest line: 4 MiB.</summary>
    public const int DefaultMaxLineBytes = 4 * 1024 * 1024;

    /// <summary>The frame terminator.</summary>
    public const byte Newline = (byte)'\n';

    /// <summary>Finds the next frame boundary in <paramref name="buffered"/>.</summary>
    /// <param name="buffered">The unconsumed bytes, starting at a frame boundary.</param>
    /// <param name="scanned">Bytes at the front already known to contain no newline (from the previous <see cref="FrameScan.NeedMore"/>).</param>
    /// <param name="maxLineBytes">The longest allowed line, newline excluded.</param>
    public static FrameStep Next(ReadOnlySpan<byte> buffered, int scanned, int maxLineBytes)
    {
        if (scanned < 0 || scanned > buffered.Length)
            throw new ArgumentOutOfRangeException(nameof(scanned));
        var index = buffered[scanned..].IndexOf(Newline);
        if (index >= 0)
        {
            var length = scanned + index;
            return length > maxLineBytes
                ? new FrameStep(FrameScan.TooLarge, length, 0, 0)
                : new FrameStep(FrameScan.Line, length, length + 1, 0);
        }

        return buffered.Length > maxLineBytes
            ? new FrameStep(FrameScan.TooLarge, buffered.Length, 0, 0)
            : new FrameStep(FrameScan.NeedMore, 0, 0, buffered.Length);
    }
}
