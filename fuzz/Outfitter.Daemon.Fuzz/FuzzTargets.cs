using System.Buffers;
using System.Text;
using System.Text.Json;
using LanguageExt;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Locking;

namespace Outfitter.Daemon.Fuzz;

/// <summary>An input broke an invariant of a parser (as opposed to making it throw, which is a bug of its own).</summary>
public sealed class FuzzInvariantException(string message) : Exception(message);

/// <summary>
/// The fuzz targets. Each takes arbitrary bytes, feeds them to one Core parser the way the shell does, and checks what
/// must hold for every input, not only that nothing throws: these parsers face hostile peers and hostile files. A broken
/// invariant throws <see cref="FuzzInvariantException"/>; any other exception escaping is a parser bug. The AFL harness
/// (<c>Program.cs</c>) and the corpus replay test in Core.Tests run this same file.
/// </summary>
public static class FuzzTargets
{
    /// <summary>The target names, as the harness takes them on its command line and as the corpus folders are named.</summary>
    public static readonly IReadOnlyList<string> Names = ["envelope", "reply", "framing", "lockfile", "payload"];

    // The envelope reader's depth limit: a payload inside a valid request line can be this deep, less one.
    private const int EnvelopeMaxDepth = 256;

    private static readonly byte[][] FixedNames =
        [.. new[] { "type", "data", "id", "payload", "message", "", "é", "a\"b", "\u0000" }.Select(Encoding.UTF8.GetBytes)];

    /// <summary>Runs target <paramref name="target"/> on <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentException">Unknown target.</exception>
    /// <exception cref="FuzzInvariantException">The input broke an invariant.</exception>
    public static void Run(string target, ReadOnlySpan<byte> input)
    {
        switch (target)
        {
            case "envelope": RequestEnvelope(input); break;
            case "reply": Reply(input); break;
            case "framing": Framing(input); break;
            case "lockfile": LockFile(input); break;
            case "payload": Payload(input); break;
            default: throw new ArgumentException($"unknown fuzz target \"{target}\"; expected one of {string.Join(", ", Names)}", nameof(target));
        }
    }

    // ---------------------------------------------------------------- envelope (server side: request lines)

    /// <summary>
    /// Every line of the input (cut at <c>\n</c> as the framing does) through <see cref="Envelope.ParseRequest"/>.
    /// A valid request: its id is a JSON string and its payload one JSON value; the reply the server writes for it, and
    /// an error reply, parse back on the client with the same id and payload; rewriting it with
    /// <see cref="Envelope.WriteRequest"/> parses back the same; its payload's fields read as <see cref="Payload"/> demands.
    /// An invalid one: the error reply the server writes for it (naming the raw id) parses back on the client.
    /// Trailing whitespace (a <c>\r</c> from CRLF peers) changes nothing.
    /// </summary>
    public static void RequestEnvelope(ReadOnlySpan<byte> input)
    {
        foreach (var range in Lines(input))
            RequestLine(input[range]);
    }

    private static void RequestLine(ReadOnlySpan<byte> line)
    {
        var request = Envelope.ParseRequest(line);
        var padded = Envelope.ParseRequest(Concat(line, " \t\r"u8));
        Require(padded.IsValid == request.IsValid, "trailing whitespace changed whether the line is a request");
        var rawId = request.Id.ToArray();
        var payload = request.Payload.ToArray();

        if (!request.IsValid)
        {
            Require(!string.IsNullOrEmpty(request.Problem), "an invalid request has no problem text");
            Require(payload.Length == 0, "an invalid request has a payload");
            if (rawId.Length > 0)
                RequireOneJsonValue(rawId, "the raw id of an invalid request");

            // What ServerConnection writes back; the client must be able to read it.
            var message = "Invalid request: " + request.Problem + ".";
            var written = Written(w => Envelope.WriteError(w, rawId, message, IpcErrorCodes.ProtocolError));
            var reply = Envelope.ParseReply(OneLine(written));
            Require(reply is not null, "the error reply for an invalid request does not parse as a reply");
            Require(reply!.IsError && reply.ErrorMessage == message && reply.ErrorCode == IpcErrorCodes.ProtocolError, "the error reply for an invalid request reads back differently");
            Require(reply.Id == DecodeString(rawId), "the error reply for an invalid request names a different id");
            return;
        }

        Require(padded.Id.SequenceEqual(rawId) && padded.Payload.SequenceEqual(payload), "trailing whitespace changed the id or payload");
        Require(rawId.Length >= 2 && rawId[0] == (byte)'"' && rawId[^1] == (byte)'"', "a valid request's raw id is not a JSON string");
        RequireOneJsonValue(payload, "a valid request's payload");

        // A lone surrogate escape ("\uD800") is a JSON string but no text: the id is echoed raw, so a JavaScript peer
        // matches it; our client reads such a reply with no id (it never sends such ids).
        var id = DecodeString(rawId);
        var response = Envelope.ParseReply(OneLine(Written(w => Envelope.WriteResponse(w, rawId, payload))));
        Require(response is not null && !response.IsError, "the response to a valid request does not parse as a response");
        Require(response!.Id == id, "the response names a different id");
        Require(response.Payload.Span.SequenceEqual(payload), "the response carries a different payload");

        var error = Envelope.ParseReply(OneLine(Written(w => Envelope.WriteError(w, rawId, "m", "c"))));
        Require(error is { IsError: true, ErrorMessage: "m", ErrorCode: "c" } && error.Id == id, "an error reply to a valid request reads back differently");
        if (id is not null)
        {
            var again = Envelope.ParseRequest(OneLine(Written(w => Envelope.WriteRequest(w, id, payload))));
            Require(again.IsValid, "a request rewritten by WriteRequest is not a valid request: " + again.Problem);
            Require(DecodeString(again.Id) == id, "a request rewritten by WriteRequest has a different id");
            Require(again.Payload.SequenceEqual(payload), "a request rewritten by WriteRequest has a different payload");
            Require(again.Kind == EnvelopeKind.Request, "a request rewritten by WriteRequest is not a request");
            var cancel = Envelope.ParseRequest(OneLine(Written(w => Envelope.WriteCancel(w, id))));
            Require(cancel.IsValid && cancel.Kind == EnvelopeKind.Cancel, "a cancel written by WriteCancel is not a valid cancel: " + cancel.Problem);
            Require(Envelope.SameId(cancel.Id, rawId) && Envelope.SameId(cancel.Id, again.Id), "a cancel written by WriteCancel names a different id");
        }

        Payload(payload);
    }

    // ---------------------------------------------------------------- reply (client side)

    /// <summary>
    /// Every line through <see cref="Envelope.ParseReply"/>. A reply: a response's payload is one JSON value; an error has
    /// a message; written again by the server-side writers it reads back identically. Trailing whitespace changes nothing.
    /// </summary>
    public static void Reply(ReadOnlySpan<byte> input)
    {
        foreach (var range in Lines(input))
            ReplyLine(input[range]);
    }

    private static void ReplyLine(ReadOnlySpan<byte> line)
    {
        var reply = Envelope.ParseReply(line);
        var padded = Envelope.ParseReply(Concat(line, " \r"u8));
        Require(SameReply(reply, padded), "trailing whitespace changed the reply");
        if (reply is null)
            return;

        var idJson = reply.Id is null ? [] : Written(w => WriteJsonString(w, reply.Id));
        byte[] rewritten;
        if (reply.IsError)
        {
            Require(reply.Payload.IsEmpty, "an error reply carries a payload");
            rewritten = Written(w => Envelope.WriteError(w, idJson, reply.ErrorMessage, reply.ErrorCode));
        }
        else
        {
            RequireOneJsonValue(reply.Payload.Span, "a response's payload");
            Require(reply.ErrorMessage.Length == 0 && reply.ErrorCode is null, "a response has error fields");
            rewritten = idJson.Length == 0
                ? Written(w => Envelope.WriteResponse(w, "null"u8, reply.Payload.Span))
                : Written(w => Envelope.WriteResponse(w, idJson, reply.Payload.Span));
        }

        Require(SameReply(reply, Envelope.ParseReply(OneLine(rewritten))), "a reply written again by the server's writer reads back differently");
    }

    private static bool SameReply(ReplyEnvelope? a, ReplyEnvelope? b) =>
        (a, b) switch
        {
            (null, null) => true,
            ({ } x, { } y) => x.Id == y.Id && x.IsError == y.IsError && x.ErrorMessage == y.ErrorMessage && x.ErrorCode == y.ErrorCode
                && x.Payload.Span.SequenceEqual(y.Payload.Span),
            _ => false,
        };

    // ---------------------------------------------------------------- framing

    /// <summary>
    /// The input as a byte stream through <see cref="LineFraming.Next"/>, driven the way the connection buffer drives it,
    /// under several line limits and many chunkings (one byte at a time, fixed sizes, sizes drawn from the input's hash).
    /// Every chunking gives exactly the frames of cutting the whole stream at <c>\n</c>, stopping at the first line over
    /// the limit, which is reported before more than limit + chunk bytes are held; each step is consistent with the
    /// bytes; the <c>scanned</c> hint never changes the answer.
    /// </summary>
    public static void Framing(ReadOnlySpan<byte> input)
    {
        var bytes = input.ToArray();
        var hash = Fnv(bytes);
        foreach (var limit in new[] { 0, 1, 7, 64, LineFraming.DefaultMaxLineBytes })
        {
            var expected = ReferenceFrames(bytes, limit);
            foreach (var chunk in new[] { 1, 2, 3, 5, 16, 4096, int.MaxValue })
                RequireSameFrames(expected, DriveFraming(bytes, limit, _ => chunk), limit, $"chunks of {chunk}");
            for (var seed = 0u; seed < 4; seed++)
            {
                var state = hash ^ (seed * 0x9E3779B9u) | 1u;
                RequireSameFrames(expected, DriveFraming(bytes, limit, _ => 1 + (int)(Next(ref state) % 37)), limit, $"random chunks (seed {seed})");
            }
        }
    }

    private abstract record Frame
    {
        public sealed record Line(byte[] Bytes) : Frame;

        public sealed record TooLarge : Frame;
    }

    private static List<Frame> ReferenceFrames(byte[] stream, int limit)
    {
        var frames = new List<Frame>();
        var start = 0;
        while (true)
        {
            var index = Array.IndexOf(stream, LineFraming.Newline, start);
            var length = (index < 0 ? stream.Length : index) - start;
            if (length > limit)
            {
                frames.Add(new Frame.TooLarge());
                return frames;
            }

            if (index < 0)
                return frames;
            frames.Add(new Frame.Line(stream[start..index]));
            start = index + 1;
        }
    }

    private static List<Frame> DriveFraming(byte[] stream, int limit, Func<int, int> chunkSize)
    {
        // The same bookkeeping as the shell's FrameBuffer: start/end into one buffer, the scanned hint carried over.
        var frames = new List<Frame>();
        var buffer = new byte[stream.Length];
        int start = 0, end = 0, scanned = 0, step = 0;
        while (end < stream.Length)
        {
            var size = (int)Math.Min((long)chunkSize(step++), stream.Length - end);
            Array.Copy(stream, end, buffer, end, size);
            end += size;
            while (true)
            {
                var buffered = buffer.AsSpan(start, end - start);
                var result = LineFraming.Next(buffered, scanned, limit);
                Require(result == LineFraming.Next(buffered, 0, limit), "the scanned hint changed the answer");
                switch (result.Scan)
                {
                    case FrameScan.Line:
                        Require(result.Length >= 0 && result.Length <= limit && result.Consumed == result.Length + 1, "an inconsistent line step");
                        Require(buffered[result.Length] == LineFraming.Newline && !buffered[..result.Length].Contains(LineFraming.Newline), "a line step that does not end at the first newline");
                        frames.Add(new Frame.Line(buffered[..result.Length].ToArray()));
                        start += result.Consumed;
                        scanned = 0;
                        continue;
                    case FrameScan.NeedMore:
                        Require(result.Scanned == buffered.Length && !buffered.Contains(LineFraming.Newline), "need-more with a newline buffered");
                        Require(buffered.Length <= limit, "more than the limit held without reporting the line too large");
                        scanned = result.Scanned;
                        break;
                    case FrameScan.TooLarge:
                        Require(result.Length > limit, "too-large for a line within the limit");
                        Require(buffered.Length - size <= limit, "a too-large line reported late");
                        frames.Add(new Frame.TooLarge());
                        return frames;
                    default:
                        throw new FuzzInvariantException($"an unknown scan result {result.Scan}");
                }

                break;
            }
        }

        return frames;
    }

    private static void RequireSameFrames(List<Frame> expected, List<Frame> actual, int limit, string how)
    {
        var same = expected.Count == actual.Count && Enumerable.Zip(expected, actual).All(p => (p.First, p.Second) switch
        {
            (Frame.Line a, Frame.Line b) => a.Bytes.AsSpan().SequenceEqual(b.Bytes),
            (Frame.TooLarge, Frame.TooLarge) => true,
            _ => false,
        });
        Require(same, $"framing with limit {limit} in {how} gave {actual.Count} frames, not the {expected.Count} of the whole stream");
    }

    // ---------------------------------------------------------------- lock file

    /// <summary>
    /// The input as a lock file's bytes, read the way the file adapter reads them (at most <see cref="LockFileContent.MaxBytes"/>
    /// + 1 bytes, decoded as UTF-8), and also as raw UTF-16 (NULs, lone surrogates), through <see cref="LockFileContent.Parse"/>.
    /// A file over the size limit is invalid; whitespace only is empty; an owner has a positive PID, and what we would
    /// write for that owner parses back to the same owner.
    /// </summary>
    public static void LockFile(ReadOnlySpan<byte> input)
    {
        var read = input[..Math.Min(input.Length, LockFileContent.MaxBytes + 1)];
        var content = CheckLockText(Encoding.UTF8.GetString(read));
        if (input.Length > LockFileContent.MaxBytes)
            Require(content is LockFileContent.Invalid, $"a {input.Length}-byte file is not invalid but {content.GetType().Name}");

        var utf16 = new char[input.Length / 2];
        for (var i = 0; i < utf16.Length; i++)
            utf16[i] = (char)(input[2 * i] | input[(2 * i) + 1] << 8);
        CheckLockText(new string(utf16));
    }

    private static LockFileContent CheckLockText(string text)
    {
        var content = LockFileContent.Parse(Prelude.Some(text));
        switch (content)
        {
            case LockFileContent.Missing:
                throw new FuzzInvariantException("file content parsed as a missing file");
            case LockFileContent.Empty:
                Require(string.IsNullOrWhiteSpace(text), "non-blank content parsed as empty");
                break;
            case LockFileContent.Invalid invalid:
                Require(!string.IsNullOrEmpty(invalid.Reason), "an invalid lock file without a reason");
                break;
            case LockFileContent.Owned owned:
                Require(owned.Owner.Pid > 0, "an owner with a PID that is not positive");
                Require(content.Pid == Prelude.Some(owned.Owner.Pid), "Pid disagrees with the owner");
                var formatted = LockFileContent.Format(owned.Owner);
                Require(LockFileContent.Parse(Prelude.Some(formatted)) == content, "the formatted owner parses back differently");
                Require(LockFileContent.Format(((LockFileContent.Owned)LockFileContent.Parse(Prelude.Some(formatted))).Owner) == formatted, "formatting is not stable");
                break;
            default:
                throw new FuzzInvariantException($"an unknown lock content {content.GetType().Name}");
        }

        return content;
    }

    // ---------------------------------------------------------------- payload fields

    /// <summary>
    /// The input as a request payload through <see cref="PayloadFields.TryGetRaw"/> and <see cref="PayloadFields.TryGetString"/>,
    /// for fixed names and for every top-level member name, checked against <see cref="JsonDocument"/> as the oracle with
    /// the envelope's depth limit (any payload a valid request can carry): the raw value of the last member of that name
    /// (as JavaScript's <c>JSON.parse</c> keeps; a name that is no text matches none), none for a payload that is not a well-formed object, and for strings the
    /// unescaped bytes or -1 when they do not fit or are no text. Input that is not UTF-8 (which the envelope refuses
    /// before any payload is read) is only required not to throw.
    /// </summary>
    public static void Payload(ReadOnlySpan<byte> payload)
    {
        if (!System.Text.Unicode.Utf8.IsValid(payload))
        {
            // The envelope refuses lines that are not UTF-8, so no such payload reaches the reader: only "never throws" holds.
            foreach (var name in FixedNames)
            {
                PayloadFields.TryGetRaw(payload, name, out _);
                PayloadFields.TryGetString(payload, name, new byte[64]);
            }

            return;
        }

        JsonDocument? document = null;
        try
        {
            document = JsonDocument.Parse(payload.ToArray(), new JsonDocumentOptions { MaxDepth = EnvelopeMaxDepth });
        }
        catch (JsonException)
        {
        }

        using (document)
        {
            var members = document?.RootElement.ValueKind == JsonValueKind.Object
                ? document.RootElement.EnumerateObject().ToList()
                : null;

            // A member name that is no text (a lone surrogate escape) matches no name.
            var names = FixedNames.ToList();
            if (members is not null)
                names.AddRange(members.Take(16).Where(NameDecodes).Select(m => Encoding.UTF8.GetBytes(m.Name)));

            foreach (var name in names)
            {
                JsonElement? expected = null;
                foreach (var member in members ?? [])
                {
                    if (NameDecodes(member) && member.NameEquals(name))
                        expected = member.Value;
                }

                var found = PayloadFields.TryGetRaw(payload, name, out var raw);
                var expectedFound = expected is not null;
                Require(found == expectedFound, $"TryGetRaw \"{Show(name)}\" said {found}, expected {expectedFound}");
                if (found)
                    Require(raw.SequenceEqual(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(expected!.Value)), $"TryGetRaw \"{Show(name)}\" returned other bytes than the last member's");
                else
                    Require(raw.IsEmpty, "TryGetRaw returned bytes for a member it did not find");

                var text = expected is { ValueKind: JsonValueKind.String } value ? DecodeString(value) : null;
                var textBytes = text is null ? null : Encoding.UTF8.GetBytes(text);
                foreach (var size in new[] { 0, 3, 64, 4096 })
                {
                    var destination = new byte[size];
                    var written = PayloadFields.TryGetString(payload, name, destination);
                    var want = textBytes is not null && textBytes.Length <= size ? textBytes.Length : -1;
                    Require(written == want, $"TryGetString \"{Show(name)}\" into {size} bytes gave {written}, expected {want}");
                    if (written >= 0)
                        Require(destination.AsSpan(0, written).SequenceEqual(textBytes), $"TryGetString \"{Show(name)}\" wrote other text");
                }
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static void Require(bool condition, string what)
    {
        if (!condition)
            throw new FuzzInvariantException(what);
    }

    private static IEnumerable<Range> Lines(ReadOnlySpan<byte> input)
    {
        var ranges = new List<Range>();
        var start = 0;
        while (true)
        {
            var index = input[start..].IndexOf(LineFraming.Newline);
            if (index < 0)
            {
                ranges.Add(start..input.Length);
                return ranges;
            }

            ranges.Add(start..(start + index));
            start += index + 1;
        }
    }

    private static byte[] Written(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static ReadOnlySpan<byte> OneLine(byte[] written)
    {
        Require(written.Length > 0 && written[^1] == LineFraming.Newline, "a written line does not end in a newline");
        Require(Array.IndexOf(written, LineFraming.Newline) == written.Length - 1, "a written line contains a newline of its own, which would split the frame");
        return written.AsSpan(0, written.Length - 1);
    }

    private static void WriteJsonString(IBufferWriter<byte> output, string value)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStringValue(value);
    }

    private static void RequireOneJsonValue(ReadOnlySpan<byte> json, string what)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = EnvelopeMaxDepth });
            Require(reader.Read(), what + " is empty");
            reader.Skip();
            Require(!reader.Read(), what + " is more than one JSON value");
        }
        catch (JsonException e)
        {
            throw new FuzzInvariantException($"{what} is not valid JSON: {e.Message}");
        }
    }

    /// <summary>The text of a raw JSON string token; null when it is not a string or is no text (a lone surrogate).</summary>
    private static string? DecodeString(ReadOnlySpan<byte> raw)
    {
        if (raw.IsEmpty)
            return null;
        var reader = new Utf8JsonReader(raw);
        try
        {
            return reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static string? DecodeString(JsonElement element)
    {
        try
        {
            return element.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static bool NameDecodes(JsonProperty member)
    {
        try
        {
            _ = member.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static byte[] Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var result = new byte[a.Length + b.Length];
        a.CopyTo(result);
        b.CopyTo(result.AsSpan(a.Length));
        return result;
    }

    private static string Show(byte[] name) => Encoding.UTF8.GetString(name).Replace("\0", "\\0", StringComparison.Ordinal);

    private static uint Fnv(byte[] bytes)
    {
        var hash = 2166136261u;
        foreach (var b in bytes)
            hash = (hash ^ b) * 16777619u;
        return hash;
    }

    private static uint Next(ref uint state)
    {
        // xorshift32: cheap, deterministic chunk sizes.
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        return state;
    }
}
