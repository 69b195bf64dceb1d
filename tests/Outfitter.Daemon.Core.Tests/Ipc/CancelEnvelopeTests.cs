using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Outfitter.Daemon.Core.Ipc;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Ipc;

/// <summary>Protocol 2's <c>{"id":"…","type":"cancel"}</c>: parsed beside requests, written by the client, ids matched as strings.</summary>
public sealed class CancelEnvelopeTests
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public void WriteCancel_writes_one_line_with_the_id_and_the_cancel_type_only()
    {
        Assert.Equal("{\"id\":\"7\",\"type\":\"cancel\"}\n", Written(w => Envelope.WriteCancel(w, "7")));
        Assert.Equal(ProtocolExtensions.CancelType, JsonDocument.Parse(Written(w => Envelope.WriteCancel(w, "7"))).RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public void WriteCancel_escapes_the_id_exactly_as_WriteRequest_does_so_the_raw_ids_are_the_same_bytes()
    {
        const string id = "a\"b\\ é ✓ 😀 \n\u0001";
        var cancel = Envelope.ParseRequest(WrittenLine(w => Envelope.WriteCancel(w, id)));
        var cancelId = cancel.Id.ToArray();
        var request = Envelope.ParseRequest(WrittenLine(w => Envelope.WriteRequest(w, id, "{}"u8)));

        Assert.Equal(request.Id.ToArray(), cancelId);
    }

    [Theory]
    [InlineData("""{"id":"1","type":"cancel"}""")]
    [InlineData("""{"type":"cancel","id":"1"}""")]
    [InlineData("""{"id":"1","type":"cancel","payload":{"type":"ping"}}""")]
    [InlineData("""{"id":"1","type":"c\u0061ncel","extra":[1,2]}""")]
    [InlineData(""" { "\u0069d" : "1" , "t\u0079pe" : "cancel" } """ + "\r")]
    [InlineData("""{"id":"1","type":"request","type":"cancel"}""")]
    public void A_cancel_line_with_a_string_id_parses_as_a_valid_cancel_naming_that_id(string line)
    {
        var parsed = Envelope.ParseRequest(Encoding.UTF8.GetBytes(line));

        Assert.True(parsed.IsValid, parsed.Problem);
        Assert.Equal(EnvelopeKind.Cancel, parsed.Kind);
        Assert.Equal("\"1\"", Encoding.UTF8.GetString(parsed.Id));
        Assert.True(parsed.TraceParent.IsEmpty);
    }

    [Fact]
    public void A_cancel_ignores_a_trace_context_and_a_request_keeps_its_kind_and_payload()
    {
        const string traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var cancel = Envelope.ParseRequest(Encoding.UTF8.GetBytes($$"""{"id":"1","type":"cancel","traceparent":"{{traceParent}}"}"""));
        var request = Envelope.ParseRequest(Encoding.UTF8.GetBytes($$"""{"id":"1","type":"request","payload":[1],"traceparent":"{{traceParent}}"}"""));

        Assert.Equal(EnvelopeKind.Cancel, cancel.Kind);
        Assert.True(cancel.TraceParent.IsEmpty);
        Assert.Equal(EnvelopeKind.Request, request.Kind);
        Assert.Equal("[1]", Encoding.UTF8.GetString(request.Payload));
        Assert.Equal(traceParent, Encoding.UTF8.GetString(request.TraceParent));
    }

    [Theory]
    [InlineData("""{"id":5,"type":"cancel"}""", "\"id\" must be a string", "5")]
    [InlineData("""{"id":null,"type":"cancel"}""", "\"id\" must be a string", "null")]
    [InlineData("""{"id":["1"],"type":"cancel"}""", "\"id\" must be a string", "[\"1\"]")]
    [InlineData("""{"type":"cancel"}""", "the request has no \"id\"", "")]
    [InlineData("""{"id":"1","type":"Cancel"}""", "\"type\" must be \"request\"", "\"1\"")]
    [InlineData("""{"id":"1","type":"cancel" """, null, "\"1\"")]
    public void A_cancel_without_a_string_id_or_with_a_near_miss_type_is_invalid_like_any_malformed_line(string line, string? problem, string rawId)
    {
        var parsed = Envelope.ParseRequest(Encoding.UTF8.GetBytes(line));

        Assert.False(parsed.IsValid);
        Assert.Equal(EnvelopeKind.Request, parsed.Kind);
        if (problem is not null)
            Assert.Equal(problem, parsed.Problem);
        Assert.Equal(rawId, Encoding.UTF8.GetString(parsed.Id));
    }

    [Theory]
    [InlineData("event")]
    [InlineData("hello")]
    [InlineData("response")]
    [InlineData("subscribe")]
    public void Other_envelope_types_stay_invalid_and_are_answered_with_a_protocol_error(string type)
    {
        var parsed = Envelope.ParseRequest(Encoding.UTF8.GetBytes($$"""{"id":"1","type":"{{type}}"}"""));

        Assert.False(parsed.IsValid);
        Assert.Equal(ProtocolProblems.NotARequest, parsed.Reason);
    }

    [Property]
    public Property A_written_cancel_parses_back_as_a_cancel_with_the_same_id_as_the_request_it_cancels() =>
        Prop.ForAll(
            Arb.From(JsonGenerators.Text),
            id =>
            {
                var line = WrittenBytes(w => Envelope.WriteCancel(w, id));
                Assert.Equal(line.Length - 1, Array.IndexOf(line, (byte)'\n'));

                var parsed = Envelope.ParseRequest(line.AsSpan(0, line.Length - 1));
                var request = Envelope.ParseRequest(WrittenLine(w => Envelope.WriteRequest(w, id, "null"u8)));

                Assert.True(parsed.IsValid, parsed.Problem);
                Assert.Equal(EnvelopeKind.Cancel, parsed.Kind);
                Assert.Equal(id, JsonSerializer.Deserialize<string>(parsed.Id));
                Assert.Equal(EnvelopeKind.Request, request.Kind);
                Assert.True(Envelope.SameId(parsed.Id, request.Id));
            });

    [Property]
    public Property A_written_request_is_still_a_request_whatever_its_id_and_payload() =>
        Prop.ForAll(
            Arb.From(JsonGenerators.Text.Zip(JsonGenerators.Value)),
            c =>
            {
                var (id, payload) = c;
                var parsed = Envelope.ParseRequest(WrittenLine(w => Envelope.WriteRequest(w, id, Encoding.UTF8.GetBytes(payload))));

                Assert.True(parsed.IsValid, parsed.Problem);
                Assert.Equal(EnvelopeKind.Request, parsed.Kind);
                Assert.Equal(payload, Encoding.UTF8.GetString(parsed.Payload));
            });

    [Property]
    public Property Line_like_bytes_parse_as_a_cancel_only_when_valid_with_a_string_id() =>
        Prop.ForAll(
            Arb.From(JsonGenerators.LineLikeBytes),
            line =>
            {
                var parsed = Envelope.ParseRequest(line);
                if (parsed.Kind == EnvelopeKind.Cancel)
                {
                    Assert.True(parsed.IsValid);
                    Assert.Equal((byte)'"', parsed.Id[0]);
                }
            });

    // SameId

    [Property]
    public Property Ids_written_strictly_relaxed_or_with_every_character_escaped_are_the_same_id() =>
        Prop.ForAll(
            Arb.From(JsonGenerators.Text),
            id =>
            {
                var strict = JsonSerializer.SerializeToUtf8Bytes(id);
                var relaxed = JsonSerializer.SerializeToUtf8Bytes(id, Relaxed);
                var everyCharEscaped = Encoding.UTF8.GetBytes("\"" + string.Concat(id.Select(ch => $"\\u{(int)ch:x4}")) + "\"");

                Assert.True(Envelope.SameId(strict, relaxed));
                Assert.True(Envelope.SameId(relaxed, strict));
                Assert.True(Envelope.SameId(everyCharEscaped, relaxed));
                Assert.True(Envelope.SameId(strict, everyCharEscaped));
            });

    [Property]
    public Property Two_ids_are_the_same_exactly_when_their_text_is() =>
        Prop.ForAll(
            Arb.From(JsonGenerators.Text.Zip(JsonGenerators.Text)),
            c =>
            {
                var (first, second) = c;
                var a = JsonSerializer.SerializeToUtf8Bytes(first);
                var b = JsonSerializer.SerializeToUtf8Bytes(second, Relaxed);

                Assert.Equal(first == second, Envelope.SameId(a, b));
            });

    [Fact]
    public void A_long_escaped_id_is_compared_as_text_too()
    {
        var id = new string('é', 400) + "\"";
        var everyCharEscaped = Encoding.UTF8.GetBytes("\"" + string.Concat(id.Select(ch => $"\\u{(int)ch:x4}")) + "\"");

        Assert.True(Envelope.SameId(everyCharEscaped, JsonSerializer.SerializeToUtf8Bytes(id)));
        Assert.True(Envelope.SameId(everyCharEscaped, JsonSerializer.SerializeToUtf8Bytes(id, Relaxed)));
        Assert.False(Envelope.SameId(everyCharEscaped, JsonSerializer.SerializeToUtf8Bytes(id + "x")));
    }

    [Theory]
    [InlineData("5", "5", true)]
    [InlineData("5", "\"5\"", false)]
    [InlineData("null", "\"null\"", false)]
    [InlineData("\"\\ud800\"", "\"\\ud800\"", true)]
    [InlineData("\"\\ud800\"", "\"\\uD800\"", false)]
    [InlineData("\"\\ud800\"", "\"\uFFFD\"", false)]
    [InlineData("\"a\\/b\"", "\"a/b\"", true)]
    [InlineData("\"a\\\\b\"", "\"a/b\"", false)]
    public void Values_that_are_not_both_strings_or_not_text_match_only_byte_for_byte(string a, string b, bool same)
    {
        Assert.Equal(same, Envelope.SameId(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b)));
        Assert.Equal(same, Envelope.SameId(Encoding.UTF8.GetBytes(b), Encoding.UTF8.GetBytes(a)));
    }

    private static byte[] WrittenBytes(Action<ArrayBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return output.WrittenSpan.ToArray();
    }

    private static string Written(Action<ArrayBufferWriter<byte>> write) => Encoding.UTF8.GetString(WrittenBytes(write));

    /// <summary>The written line without its newline, as the framing hands it to the parser.</summary>
    private static byte[] WrittenLine(Action<ArrayBufferWriter<byte>> write)
    {
        var bytes = WrittenBytes(write);
        return bytes[..^1];
    }
}
