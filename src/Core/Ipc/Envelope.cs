using System.Buffers;
using System.Text.Json;

namespace Outfitter.Daemon.Core.Ipc;

/// <summary>What a valid line a client sends asks for: the reference's request, or protocol 2's cancellation.</summary>
internal enum EnvelopeKind : byte
{
    /// <summary><c>{"id":"…","type":"request","payload":…}</c>: run a handler and reply (also the kind of an invalid line).</summary>
    Request = 0,

    /// <summary>
    /// <c>{"id":"…","type":"cancel"}</c> (<see cref="ProtocolExtensions.CancelType"/>): stop the pending request with that
    /// id; never answered.
    /// </summary>
    Cancel,
}

/// <summary>A request line taken apart without copying: raw JSON spans into the line, or the reason it is not a request.</summary>
internal readonly ref struct RequestEnvelope
{
    private RequestEnvelope(EnvelopeKind kind, ReadOnlySpan<byte> id, ReadOnlySpan<byte> payload, string? problem, string? reason, ReadOnlySpan<byte> traceParent, ReadOnlySpan<byte> traceState)
    {
        Kind = kind;
        Id = id;
        Payload = payload;
        Problem = problem;
        Reason = reason;
        TraceParent = traceParent;
        TraceState = traceState;
    }

    /// <summary>
    /// What the line asks for: <see cref="EnvelopeKind.Request"/> or <see cref="EnvelopeKind.Cancel"/>, the latter only
    /// when the line is valid (an invalid line is always <see cref="EnvelopeKind.Request"/>, answered with an error).
    /// </summary>
    public EnvelopeKind Kind { get; }

    /// <summary>The raw JSON of the <c>id</c> member (quotes included), or empty when there was none.</summary>
    public ReadOnlySpan<byte> Id { get; }

    /// <summary>The raw JSON of the <c>payload</c> member (<c>null</c> when absent; a cancel's is read and ignored).</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>Why the line is not a valid request; null when it is one.</summary>
    public string? Problem { get; }

    /// <summary>
    /// The optional <c>traceparent</c> member's text (no quotes) when it is a valid W3C traceparent
    /// (<see cref="TraceContext.IsValidTraceParent"/>); empty when absent or malformed, which is never an error.
    /// </summary>
    public ReadOnlySpan<byte> TraceParent { get; }

    /// <summary>The optional <c>tracestate</c> member's text, kept only next to a valid <see cref="TraceParent"/>; else empty.</summary>
    public ReadOnlySpan<byte> TraceState { get; }

    /// <summary>True when the line is a valid request.</summary>
    public bool IsValid => Problem is null;

    /// <summary>A stable, low-cardinality name for <see cref="Problem"/> (a <see cref="ProtocolProblems"/> constant); null when valid.</summary>
    public string? Reason { get; }

    internal static RequestEnvelope Valid(ReadOnlySpan<byte> id, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> traceParent = default, ReadOnlySpan<byte> traceState = default) =>
        new(EnvelopeKind.Request, id, payload, null, null, traceParent, traceState);

    internal static RequestEnvelope Cancel(ReadOnlySpan<byte> id, ReadOnlySpan<byte> payload) =>
        new(EnvelopeKind.Cancel, id, payload, null, null, default, default);

    internal static RequestEnvelope Invalid(ReadOnlySpan<byte> id, string problem, string reason) => new(EnvelopeKind.Request, id, default, problem, reason, default, default);
}

/// <summary>Stable names for why a line is not a request (metric tags and logs; the reply carries a sentence).</summary>
internal static class ProtocolProblems
{
    /// <summary>The line is not valid UTF-8.</summary>
    public const string InvalidUtf8 = "invalid_utf8";

    /// <summary>The line is not well-formed JSON.</summary>
    public const string InvalidJson = "invalid_json";

    /// <summary>The line is JSON but not an object (or empty).</summary>
    public const string NotAnObject = "not_an_object";

    /// <summary>The object has no <c>id</c>.</summary>
    public const string MissingId = "missing_id";

    /// <summary>The <c>id</c> is not a string.</summary>
    public const string IdNotString = "id_not_string";

    /// <summary>The object has no <c>type</c>.</summary>
    public const string MissingType = "missing_type";

    /// <summary>The <c>type</c> is neither <c>"request"</c> nor <c>"cancel"</c>.</summary>
    public const string NotARequest = "not_a_request";

    /// <summary>Processing the line failed unexpectedly (defence in depth; a bug if it ever shows).</summary>
    public const string Internal = "internal";
}

/// <summary>A reply line taken apart: which request it answers and how.</summary>
/// <param name="Id">The request id it answers (null when the server could not tell).</param>
/// <param name="IsError">True for <c>"type":"error"</c>.</param>
/// <param name="Payload">For a response, the raw payload JSON (a copy); empty for an error.</param>
/// <param name="ErrorMessage">For an error, <c>payload.message</c>.</param>
/// <param name="ErrorCode">For an error, <c>payload.code</c> when present.</param>
internal sealed record ReplyEnvelope(string? Id, bool IsError, ReadOnlyMemory<byte> Payload, string ErrorMessage, string? ErrorCode);

/// <summary>
/// The wire envelope, byte for byte the reference's: request <c>{"id":"…","type":"request","payload":…}</c>, reply
/// <c>{"id":"…","type":"response","payload":…}</c> or <c>{"id":"…","type":"error","payload":{"message":"…"}}</c>
/// (we add a <c>code</c>); and protocol 2's cancellation <c>{"id":"…","type":"cancel"}</c>, which a reference server
/// ignores. Parsing and writing are pure and allocation-free on the hot path.
/// </summary>
internal static class Envelope
{
    /// <summary>The deepest nesting a line may have; a payload inside a valid request is one level less deep.</summary>
    internal const int MaxDepth = 256;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxDepth };
    private static ReadOnlySpan<byte> NullJson => "null"u8;

    // ProtocolExtensions.CancelType as UTF-8.
    private static ReadOnlySpan<byte> CancelTypeName => "cancel"u8;

    /// <summary>
    /// Parses a line a client sent: a request (<see cref="EnvelopeKind.Request"/>) or, with <c>"type":"cancel"</c>, a
    /// cancellation (<see cref="EnvelopeKind.Cancel"/>, ADR 0016), whose id is checked as a request's (a cancel without a
    /// string id is invalid) and whose payload and trace context are ignored. Invalid UTF-8 or JSON, a value that is not
    /// an object, a missing or non-string <c>id</c>, and a <c>type</c> other than <c>"request"</c> or <c>"cancel"</c>
    /// (every other envelope type, known to later protocol versions or not) all give an invalid envelope with a sentence
    /// saying which, answered with <c>PROTOCOL_ERROR</c>; its <see cref="RequestEnvelope.Id"/> is the raw id when one could
    /// be read, so the error reply can name it. The optional trace context members (<see cref="TraceContext"/>) are kept
    /// when well-formed and otherwise ignored; other unknown members are ignored, as the reference ignores them.
    /// </summary>
    public static RequestEnvelope ParseRequest(ReadOnlySpan<byte> line)
    {
        if (!System.Text.Unicode.Utf8.IsValid(line))
            return RequestEnvelope.Invalid(default, "the line is not valid UTF-8", ProtocolProblems.InvalidUtf8);
        ReadOnlySpan<byte> id = default, payload = default, traceParent = default, traceState = default;
        var idIsString = false;
        var kind = (EnvelopeKind?)null;
        var sawType = false;
        try
        {
            var reader = new Utf8JsonReader(line, ReaderOptions);
            if (!reader.Read())
                return RequestEnvelope.Invalid(default, "the line is empty", ProtocolProblems.NotAnObject);
            if (reader.TokenType != JsonTokenType.StartObject)
                return RequestEnvelope.Invalid(default, $"expected a JSON object, got {Describe(reader.TokenType)}", ProtocolProblems.NotAnObject);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan;
                var escaped = reader.ValueIsEscaped;
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    reader.Skip();
                var raw = line[start..(int)reader.BytesConsumed];
                if (Is(name, escaped, "id"u8))
                {
                    id = raw;
                    idIsString = reader.TokenType == JsonTokenType.String;
                }
                else if (Is(name, escaped, "type"u8))
                {
                    sawType = true;
                    kind = reader.TokenType != JsonTokenType.String ? null
                        : reader.ValueTextEquals("request"u8) ? EnvelopeKind.Request
                        : reader.ValueTextEquals(CancelTypeName) ? EnvelopeKind.Cancel
                        : null;
                }
                else if (Is(name, escaped, "payload"u8))
                {
                    payload = raw;
                }
                else if (Is(name, escaped, TraceContext.TraceParentName))
                {
                    // Only an unescaped string can be a header's text; anything else is as good as absent.
                    traceParent = reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped ? reader.ValueSpan : default;
                }
                else if (Is(name, escaped, TraceContext.TraceStateName))
                {
                    traceState = reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped ? reader.ValueSpan : default;
                }
            }

            // Anything after the object other than whitespace makes the reader throw here.
            while (reader.Read())
            {
            }
        }
        catch (JsonException e)
        {
            return RequestEnvelope.Invalid(id, $"invalid JSON ({Trim(e.Message)})", ProtocolProblems.InvalidJson);
        }
        catch (InvalidOperationException e)
        {
            // Escapes that decode to no valid text (a lone surrogate in a member name) surface here.
            return RequestEnvelope.Invalid(id, $"invalid JSON text ({Trim(e.Message)})", ProtocolProblems.InvalidJson);
        }

        if (id.IsEmpty)
            return RequestEnvelope.Invalid(default, "the request has no \"id\"", ProtocolProblems.MissingId);
        if (!idIsString)
            return RequestEnvelope.Invalid(id, "\"id\" must be a string", ProtocolProblems.IdNotString);
        if (!sawType || kind is null)
            return RequestEnvelope.Invalid(id, sawType ? "\"type\" must be \"request\"" : "the request has no \"type\"", sawType ? ProtocolProblems.NotARequest : ProtocolProblems.MissingType);
        if (kind == EnvelopeKind.Cancel)
            return RequestEnvelope.Cancel(id, payload.IsEmpty ? NullJson : payload);
        if (!TraceContext.IsValidTraceParent(traceParent))
            return RequestEnvelope.Valid(id, payload.IsEmpty ? NullJson : payload);
        return RequestEnvelope.Valid(id, payload.IsEmpty ? NullJson : payload, traceParent, TraceContext.IsValidTraceState(traceState) ? traceState : default);
    }

    /// <summary>Writes <c>{"id":ID,"type":"response","payload":PAYLOAD}\n</c>.</summary>
    /// <param name="output">Where the line goes.</param>
    /// <param name="id">The raw id JSON, as the request had it.</param>
    /// <param name="payload">The raw result JSON (must be one valid JSON value).</param>
    public static void WriteResponse(IBufferWriter<byte> output, ReadOnlySpan<byte> id, ReadOnlySpan<byte> payload)
    {
        WriteResponseStart(output, id);
        WriteRaw(output, payload);
        WriteResponseEnd(output);
    }

    /// <summary>
    /// Writes the part of a response before its payload, <c>{"id":ID,"type":"response","payload":</c>, so a server can
    /// have the handler write the payload in place; finish with <see cref="WriteResponseEnd"/>.
    /// </summary>
    public static void WriteResponseStart(IBufferWriter<byte> output, ReadOnlySpan<byte> id)
    {
        ReadOnlySpan<byte> head = "{\"id\":"u8;
        ReadOnlySpan<byte> middle = ",\"type\":\"response\",\"payload\":"u8;
        var span = output.GetSpan(head.Length + id.Length + middle.Length);
        head.CopyTo(span);
        id.CopyTo(span[head.Length..]);
        middle.CopyTo(span[(head.Length + id.Length)..]);
        output.Advance(head.Length + id.Length + middle.Length);
    }

    /// <summary>Ends a response started with <see cref="WriteResponseStart"/>: <c>}\n</c>.</summary>
    public static void WriteResponseEnd(IBufferWriter<byte> output) => WriteRaw(output, "}\n"u8);

    /// <summary>Writes <c>{"id":ID|null,"type":"error","payload":{"message":"…","code":"…"}}\n</c>.</summary>
    /// <param name="output">Where the line goes.</param>
    /// <param name="id">The raw id JSON, or empty for <c>null</c>.</param>
    /// <param name="message">The human-readable message.</param>
    /// <param name="code">A stable code from <see cref="IpcErrorCodes"/>, or null to omit it.</param>
    public static void WriteError(IBufferWriter<byte> output, ReadOnlySpan<byte> id, string message, string? code)
    {
        WriteRaw(output, "{\"id\":"u8);
        WriteRaw(output, id.IsEmpty ? NullJson : id);
        WriteRaw(output, ",\"type\":\"error\",\"payload\":{\"message\":"u8);
        WriteString(output, message);
        if (code is not null)
        {
            WriteRaw(output, ",\"code\":"u8);
            WriteString(output, code);
        }

        WriteRaw(output, "}}\n"u8);
    }

    /// <summary>
    /// Writes a request line <c>{"id":"ID","type":"request","payload":PAYLOAD}\n</c>, with
    /// <c>,"traceparent":"…"</c> (and <c>,"tracestate":"…"</c>) before the closing brace when given: extra members the
    /// TypeScript server ignores.
    /// </summary>
    /// <param name="output">Where the line goes.</param>
    /// <param name="id">The request id.</param>
    /// <param name="payload">The raw payload JSON (one value; <c>null</c> when empty).</param>
    /// <param name="traceParent">A W3C traceparent, or null for none.</param>
    /// <param name="traceState">A W3C tracestate, written only with a traceparent; null or empty for none.</param>
    public static void WriteRequest(IBufferWriter<byte> output, string id, ReadOnlySpan<byte> payload, string? traceParent = null, string? traceState = null)
    {
        WriteRaw(output, "{\"id\":"u8);
        WriteString(output, id);
        WriteRaw(output, ",\"type\":\"request\",\"payload\":"u8);
        WriteRaw(output, payload.IsEmpty ? NullJson : payload);
        if (traceParent is not null)
        {
            WriteRaw(output, ",\"traceparent\":"u8);
            WriteString(output, traceParent);
            if (!string.IsNullOrEmpty(traceState))
            {
                WriteRaw(output, ",\"tracestate\":"u8);
                WriteString(output, traceState);
            }
        }

        WriteRaw(output, "}\n"u8);
    }

    /// <summary>
    /// Writes a cancellation <c>{"id":"ID","type":"cancel"}\n</c> for the request written with the same
    /// <paramref name="id"/> by <see cref="WriteRequest"/> (the id is escaped the same way, so its bytes are the request's).
    /// No reply comes; a server that does not know <c>cancel</c> (the reference) ignores it.
    /// </summary>
    /// <param name="output">Where the line goes.</param>
    /// <param name="id">The id of the request to cancel.</param>
    public static void WriteCancel(IBufferWriter<byte> output, string id)
    {
        WriteRaw(output, "{\"id\":"u8);
        WriteString(output, id);
        WriteRaw(output, ",\"type\":\"cancel\"}\n"u8);
    }

    /// <summary>
    /// True when two raw JSON ids (as <see cref="RequestEnvelope.Id"/> gives them) are the same string: equal bytes, or,
    /// when either is written with escapes, equal text (<c>"a"</c> and <c>"\u0061"</c> are the same id). Values that are not
    /// both JSON strings, and strings whose escapes decode to no text (a lone surrogate), are equal only byte for byte.
    /// Allocation-free for ids up to 256 bytes.
    /// </summary>
    public static bool SameId(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.SequenceEqual(b))
            return true;
        var aEscaped = a.IndexOf((byte)'\\') >= 0;
        var bEscaped = b.IndexOf((byte)'\\') >= 0;
        if (!aEscaped && !bEscaped)
            return false; // two unescaped strings are the same text exactly when they are the same bytes

        // Make b the escaped one; a is then compared as text against b's decoded value.
        if (!bEscaped)
        {
            var swap = a;
            a = b;
            b = swap;
            (aEscaped, bEscaped) = (bEscaped, aEscaped);
        }

        Span<byte> scratch = stackalloc byte[256];
        byte[]? rented = null;
        try
        {
            var readerA = new Utf8JsonReader(a);
            var readerB = new Utf8JsonReader(b);
            if (!readerA.Read() || readerA.TokenType != JsonTokenType.String || !readerB.Read() || readerB.TokenType != JsonTokenType.String)
                return false;
            if (!aEscaped)
                return readerB.ValueTextEquals(readerA.ValueSpan);
            var length = readerA.ValueSpan.Length;
            var buffer = length <= scratch.Length ? scratch : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(length));
            return readerB.ValueTextEquals(buffer[..readerA.CopyString(buffer)]);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false; // not one JSON value, or escapes that decode to no text: only equal bytes match
        }
        finally
        {
            if (rented is not null)
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Parses a reply line (what a client receives). Null when the line is not a reply object at all; a reply with an
    /// unknown id is still returned so the caller can decide.
    /// </summary>
    public static ReplyEnvelope? ParseReply(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return null;
            string? id = null, type = null, message = null, code = null;
            ReadOnlySpan<byte> payload = default;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan;
                var escaped = reader.ValueIsEscaped;
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                if (Is(name, escaped, "payload"u8) && reader.TokenType == JsonTokenType.StartObject)
                {
                    // Read the error fields while skipping through the object; the raw span is kept for responses.
                    var depth = reader.CurrentDepth;
                    while (reader.Read() && reader.CurrentDepth > depth)
                    {
                        if (reader.CurrentDepth == depth + 1 && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            var field = reader.ValueSpan;
                            var fieldEscaped = reader.ValueIsEscaped;
                            reader.Read();
                            if (reader.TokenType == JsonTokenType.String && Is(field, fieldEscaped, "message"u8))
                                message = TextLeniently(ref reader);
                            else if (reader.TokenType == JsonTokenType.String && Is(field, fieldEscaped, "code"u8))
                                code = TextLeniently(ref reader);
                            else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                                reader.Skip();
                        }
                    }

                    payload = line[start..(int)reader.BytesConsumed];
                    continue;
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    reader.Skip();
                var raw = line[start..(int)reader.BytesConsumed];
                if (Is(name, escaped, "id"u8))
                    id = reader.TokenType == JsonTokenType.String ? TextOrNull(ref reader) : null;
                else if (Is(name, escaped, "type"u8))
                    type = reader.TokenType == JsonTokenType.String ? TextOrNull(ref reader) : null;
                else if (Is(name, escaped, "payload"u8))
                    payload = raw;
            }

            // Anything after the object other than whitespace makes the reader throw here.
            while (reader.Read())
            {
            }

            return type switch
            {
                "response" => new ReplyEnvelope(id, false, (payload.IsEmpty ? NullJson : payload).ToArray(), "", null),
                "error" => new ReplyEnvelope(id, true, ReadOnlyMemory<byte>.Empty, message ?? "error reply without a message", code),
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    // A lone surrogate escape ("\ud83d", from a JavaScript peer that cut a string inside a pair) is valid JSON but no
    // text, and GetString throws on it. Such a reply is still a reply: an id that is no text answers no request of ours
    // (unknown id), and a message or code keeps its text with U+FFFD for each lone half.
    private static string? TextOrNull(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static string TextLeniently(ref Utf8JsonReader reader)
    {
        var text = TextOrNull(ref reader);
        return text ?? Unescape(reader.ValueSpan);
    }

    private static string Unescape(ReadOnlySpan<byte> escaped)
    {
        // The reader has validated the escapes: every backslash starts \", \\, \/, \b, \f, \n, \r, \t or \uXXXX.
        var text = new System.Text.StringBuilder(escaped.Length);
        for (var i = 0; i < escaped.Length;)
        {
            if (escaped[i] != (byte)'\\')
            {
                var run = escaped[i..].IndexOf((byte)'\\');
                run = run < 0 ? escaped.Length - i : run;
                text.Append(System.Text.Encoding.UTF8.GetString(escaped.Slice(i, run)));
                i += run;
                continue;
            }

            var c = (char)escaped[i + 1];
            if (c == 'u')
            {
                text.Append((char)int.Parse(escaped.Slice(i + 2, 4), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture));
                i += 6;
                continue;
            }

            text.Append(c switch { 'b' => '\b', 'f' => '\f', 'n' => '\n', 'r' => '\r', 't' => '\t', _ => c });
            i += 2;
        }

        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else if (char.IsSurrogate(text[i]))
                text[i] = '\uFFFD';
        }

        return text.ToString();
    }

    private static bool Is(ReadOnlySpan<byte> name, bool escaped, ReadOnlySpan<byte> expected) =>
        escaped ? UnescapedEquals(name, expected) : name.SequenceEqual(expected);

    private static bool UnescapedEquals(ReadOnlySpan<byte> escapedName, ReadOnlySpan<byte> expected)
    {
        // Rare: a member name written with escapes ("\u0069d"). Decode it the slow way.
        var reader = new Utf8JsonReader(Concat("\""u8, escapedName, "\""u8));
        reader.Read();
        return reader.ValueTextEquals(expected);
    }

    private static byte[] Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c)
    {
        var result = new byte[a.Length + b.Length + c.Length];
        a.CopyTo(result);
        b.CopyTo(result.AsSpan(a.Length));
        c.CopyTo(result.AsSpan(a.Length + b.Length));
        return result;
    }

    private static void WriteRaw(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        var span = output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        output.Advance(bytes.Length);
    }

    private static void WriteString(IBufferWriter<byte> output, string value)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        writer.WriteStringValue(value);
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.Null => "null",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        _ => token.ToString(),
    };

    private static string Trim(string message)
    {
        var cut = message.IndexOf(" LineNumber", StringComparison.Ordinal);
        return cut > 0 ? message[..cut].TrimEnd('.', ' ') : message;
    }

    private const byte Newline = LineFraming.Newline;
}
