using System.Text.Json;

namespace Outfitter.Daemon.Core.Ipc;

/// <summary>
/// Reads top-level members of a payload object without allocating, for routing on <c>{"type":"…"}</c> the way the
/// reference's examples do (<c>msg.type === "status"</c>).
/// </summary>
internal static class PayloadFields
{
    // The envelope's limit, not the reader's default of 64: any payload a valid request carries must be readable here.
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = Envelope.MaxDepth };

    /// <summary>
    /// Finds member <paramref name="name"/> of the JSON object <paramref name="payload"/> and returns its raw JSON (the last
    /// one when a name repeats, as JavaScript's <c>JSON.parse</c> does). False when the payload is not an object, is
    /// malformed, or lacks the member.
    /// </summary>
    public static bool TryGetRaw(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        value = default;
        var found = false;
        try
        {
            var reader = new Utf8JsonReader(payload, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var match = NameIs(ref reader, name);
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    reader.Skip();
                if (match)
                {
                    value = payload[start..(int)reader.BytesConsumed];
                    found = true;
                }
            }

            // The rest must be well-formed too (nothing but whitespace after the object).
            while (reader.Read())
            {
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            value = default;
            return false;
        }

        if (!found)
            value = default;
        return found;
    }

    private static bool NameIs(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        // A name with a lone surrogate escape is no text, so it matches no name. ValueTextEquals throws on it only when
        // the comparison gets that far, which made a lookup fail or succeed depending on the other names' lengths.
        try
        {
            return reader.ValueTextEquals(name);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>
    /// The unescaped UTF-8 bytes of string member <paramref name="name"/> (for example the request <c>type</c>), written to
    /// <paramref name="destination"/>; the count written, or -1 when absent, not a string, not valid text, or longer than
    /// the destination.
    /// </summary>
    public static int TryGetString(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> name, Span<byte> destination)
    {
        if (!TryGetRaw(payload, name, out var raw) || raw.Length < 2 || raw[0] != (byte)'"')
            return -1;
        var inner = raw[1..^1];
        if (inner.IndexOf((byte)'\\') < 0)
        {
            if (inner.Length > destination.Length)
                return -1;
            inner.CopyTo(destination);
            return inner.Length;
        }

        // Unescaped text is never longer than its escaped form, so a buffer of that size always suffices.
        var reader = new Utf8JsonReader(raw);
        reader.Read();
        var scratch = inner.Length <= 512 ? stackalloc byte[inner.Length] : new byte[inner.Length];
        int written;
        try
        {
            written = reader.CopyString(scratch);
        }
        catch (InvalidOperationException)
        {
            return -1; // a lone surrogate: not text
        }

        if (written > destination.Length)
            return -1;
        scratch[..written].CopyTo(destination);
        return written;
    }
}
