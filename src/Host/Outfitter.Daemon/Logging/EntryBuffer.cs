using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Outfitter.Daemon.Logging;

/// <summary>
/// The scratch space one entry is formatted in, outside the writer's lock: the UTF-8 bytes, the text being built and a
/// JSON writer over the bytes. One is cached per thread (taken while in use, so an entry logged while another is being
/// formatted on the same thread gets a fresh one). Not thread-safe: one entry at a time.
/// </summary>
internal sealed class EntryBuffer
{
    private const int KeepAtMostBytes = 64 * 1024;

    [ThreadStatic]
    private static EntryBuffer? t_cached;

    private static readonly JsonWriterOptions JsonOptions = new()
    {
        // A log file is not HTML: keep non-ASCII text and quotes readable. Control characters are still escaped, so an
        // entry never spans two lines.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    private readonly Encoder _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetEncoder();

    private EntryBuffer()
    {
        Json = new Utf8JsonWriter(Bytes, JsonOptions);
    }

    /// <summary>The entry's bytes.</summary>
    internal ArrayBufferWriter<byte> Bytes { get; } = new(1024);

    /// <summary>The text entry being built (then encoded into <see cref="Bytes"/>).</summary>
    internal StringBuilder Text { get; } = new(256);

    /// <summary>A JSON writer over <see cref="Bytes"/>.</summary>
    internal Utf8JsonWriter Json { get; }

    /// <summary>This thread's buffer, emptied, or a new one.</summary>
    internal static EntryBuffer Rent()
    {
        var buffer = t_cached ?? new EntryBuffer();
        t_cached = null;
        buffer.Bytes.ResetWrittenCount();
        buffer.Text.Clear();
        buffer.Json.Reset(buffer.Bytes);
        return buffer;
    }

    /// <summary>Gives the buffer back to this thread, unless one entry made it large.</summary>
    internal static void Return(EntryBuffer buffer)
    {
        if (buffer.Bytes.Capacity <= KeepAtMostBytes && buffer.Text.Capacity <= KeepAtMostBytes)
            t_cached = buffer;
    }

    /// <summary>Appends <see cref="Text"/> to <see cref="Bytes"/> as UTF-8.</summary>
    internal void EncodeText()
    {
        _utf8.Reset();
        var chunks = Text.GetChunks();
        var more = chunks.MoveNext();
        while (more)
        {
            var chunk = chunks.Current.Span;
            more = chunks.MoveNext();
            var span = Bytes.GetSpan(_utf8.GetByteCount(chunk, flush: !more));
            Bytes.Advance(_utf8.GetBytes(chunk, span, flush: !more));
        }
    }
}
