using System.Buffers;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Outfitter.Daemon.Core.Ipc;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Ipc;

public sealed class EnvelopeTests
{
    // ParseRequest: valid requests

    [Theory]
    [InlineData("""{"id":"1","type":"request","payload":{"type":"ping","n":[1,2]}}""", """{"type":"ping","n":[1,2]}""")]
    [InlineData("""{"id":"1","type":"request","payload":[1,"x",null]}""", """[1,"x",null]""")]
    [InlineData("""{"id":"1","type":"request","payload":"say \"hi\""}""", "\"say \\\"hi\\\"\"")]
    [InlineData("""{"id":"1","type":"request","payload":-12.5e3}""", "-12.5e3")]
    [InlineData("""{"id":"1","type":"request","payload":true}""", "true")]
    [InlineData("""{"id":"1","type":"request","payload":null}""", "null")]
    [InlineData("""{"id":"1","type":"request"}""", "null")]
    [InlineData("""{"payload":{},"type":"request","id":"1"}""", "{}")]
    [InlineData("""{"id":"1","extra":{"id":2,"type":"x"},"type":"request","payload":0}""", "0")]
    public void A_valid_request_gives_its_payload_as_raw_json_and_an_absent_payload_as_null(string line, string payload)
    {
        var parsed = Parse(line);

        Assert.Null(parsed.Problem);
        Assert.True(parsed.IsValid);
        Assert.Equal("\"1\"", parsed.Id);
        Assert.Equal(payload, parsed.Payload);
    }

    [Fact]
    public void The_id_is_the_raw_json_string_with_its_quotes_and_escapes()
    {
        var parsed = Parse("""{"id":"a\"b\u00e9","type":"request"}""");

        Assert.True(parsed.IsValid);
        Assert.Equal("\"a\\\"b\\u00e9\"", parsed.Id);
    }

    [Fact]
    public void Member_names_written_with_escapes_are_recognized()
    {
        var parsed = Parse("""{"\u0069d":"1","t\u0079pe":"request","p\u0061yload":5}""");

        Assert.True(parsed.IsValid);
        Assert.Equal("\"1\"", parsed.Id);
        Assert.Equal("5", parsed.Payload);
    }

    [Fact]
    public void Whitespace_around_and_inside_the_object_is_fine_and_the_payload_keeps_its_inner_spacing()
    {
        var parsed = Parse(" \t{ \"id\" : \"1\" ,\r\n \"type\" : \"request\" , \"payload\" : [ 1 , 2 ] } \t");

        Assert.True(parsed.IsValid);
        Assert.Equal("[ 1 , 2 ]", parsed.Payload);
    }

    [Fact]
    public void A_carriage_return_left_at_the_end_by_a_crlf_peer_is_fine()
    {
        Assert.True(Parse("{\"id\":\"1\",\"type\":\"request\"}\r").IsValid);
    }

    [Fact]
    public void The_last_of_duplicate_members_wins_as_in_javascript()
    {
        var parsed = Parse("""{"id":"1","type":"request","payload":1,"payload":2,"id":"2"}""");

        Assert.True(parsed.IsValid);
        Assert.Equal("\"2\"", parsed.Id);
        Assert.Equal("2", parsed.Payload);
    }

    // ParseRequest: invalid lines

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { (byte)'{', 0xC3, (byte)'}' })]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'i', (byte)'d', (byte)'"', (byte)':', (byte)'"', 0xED, 0xA0, 0x80, (byte)'"', (byte)'}' })]
    public void Invalid_utf8_is_rejected_before_any_json_parsing(byte[] line)
    {
        var parsed = Parse(line);

        Assert.False(parsed.IsValid);
        Assert.Equal("the line is not valid UTF-8", parsed.Problem);
        Assert.Equal("", parsed.Id);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{")]
    [InlineData("{\"id\":")]
    [InlineData("{\"id\":\"1\",}")]
    [InlineData("{'id':'1'}")]
    [InlineData("")]
    [InlineData("   ")]
    public void Text_that_is_not_json_is_rejected_as_invalid_json_without_line_numbers(string line)
    {
        var parsed = Parse(line);

        Assert.False(parsed.IsValid);
        Assert.StartsWith("invalid JSON (", parsed.Problem, StringComparison.Ordinal);
        Assert.EndsWith(")", parsed.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", parsed.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"id":"1","type":"request" """)]
    [InlineData("""{"id":"1","type":"request","payload":{"a":[1,""")]
    [InlineData("""{"id":"1","type":"request"} x""")]
    [InlineData("""{"id":"1","type":"request"}{"id":"2","type":"request"}""")]
    [InlineData("""{"id":"1","type":"request"}]""")]
    public void A_truncated_line_or_trailing_garbage_is_invalid_json_that_still_names_the_id_read_so_far(string line)
    {
        var parsed = Parse(line);

        Assert.False(parsed.IsValid);
        Assert.StartsWith("invalid JSON (", parsed.Problem, StringComparison.Ordinal);
        Assert.Equal("\"1\"", parsed.Id);
    }

    [Theory]
    [InlineData("null", "expected a JSON object, got null")]
    [InlineData("[]", "expected a JSON object, got an array")]
    [InlineData("[{\"id\":\"1\",\"type\":\"request\"}]", "expected a JSON object, got an array")]
    [InlineData("123", "expected a JSON object, got a number")]
    [InlineData("\"request\"", "expected a JSON object, got a string")]
    [InlineData("true", "expected a JSON object, got a boolean")]
    public void A_json_value_that_is_not_an_object_is_rejected_saying_what_it_is(string line, string problem)
    {
        var parsed = Parse(line);

        Assert.False(parsed.IsValid);
        Assert.Equal(problem, parsed.Problem);
        Assert.Equal("", parsed.Id);
    }

    [Theory]
    [InlineData("""{"type":"request","payload":{"id":"nested"}}""")]
    [InlineData("{}")]
    public void A_request_without_a_top_level_id_is_rejected_with_no_id_to_echo(string line)
    {
        var parsed = Parse(line);

        Assert.False(parsed.IsValid);
        Assert.Equal("the request has no \"id\"", parsed.Problem);
        Assert.Equal("", parsed.Id);
    }

    [Theory]
    [InlineData("""{"id":5,"type":"request"}""", "5")]
    [InlineData("""{"id":null,"type":"request"}""", "null")]
    [InlineData("""{"id":{"a":1},"type":"request"}""", """{"a":1}""")]
    [InlineData("""{"id":["x"],"type":"request"}""", """["x"]""")]
    public void A_non_string_id_is_rejected_but_kept_raw_so_the_error_reply_can_echo_it(string line, string rawId)
    {
        var parsed = Parse(line);

        Assert.False(parsed.IsValid);
        Assert.Equal("\"id\" must be a string", parsed.Problem);
        Assert.Equal(rawId, parsed.Id);
    }

    [Fact]
    public void A_request_without_a_type_is_rejected_naming_its_id()
    {
        var parsed = Parse("""{"id":"1","payload":{"type":"request"}}""");

        Assert.False(parsed.IsValid);
        Assert.Equal("the request has no \"type\"", parsed.Problem);
        Assert.Equal("\"1\"", parsed.Id);
    }

    [Theory]
    [InlineData("""{"id":"1","type":"bogus"}""")]
    [InlineData("""{"id":"1","type":"response"}""")]
    [InlineData("""{"id":"1","type":"Request"}""")]
    [InlineData("""{"id":"1","type":5}""")]
    [InlineData("""{"id":"1","type":null}""")]
    [InlineData("""{"id":"1","type":["request"]}""")]
    public void A_type_other_than_the_exact_string_request_is_rejected_naming_the_id(string line)
    {
        var parsed = Parse(line);

        Assert.False(parsed.IsValid);
        Assert.Equal("\"type\" must be \"request\"", parsed.Problem);
        Assert.Equal("\"1\"", parsed.Id);
    }

    [Fact]
    public void A_rejected_request_is_answered_with_its_raw_id_echoed()
    {
        var line = Encoding.UTF8.GetBytes("""{"id":5,"type":"request"}""");
        var parsed = Envelope.ParseRequest(line);
        var output = new ArrayBufferWriter<byte>();

        Envelope.WriteError(output, parsed.Id, parsed.Problem!, IpcErrorCodes.ProtocolError);

        var reply = Encoding.UTF8.GetString(output.WrittenSpan);

        Assert.Equal("""{"id":5,"type":"error","payload":{"message":"\"id\" must be a string","code":"PROTOCOL_ERROR"}}""" + "\n", reply);
    }

    // Writing

    [Fact]
    public void WriteResponse_writes_the_reference_envelope_byte_for_byte()
    {
        var line = Written(w => Envelope.WriteResponse(w, "\"7\""u8, "{\"pong\":true}"u8));

        Assert.Equal("{\"id\":\"7\",\"type\":\"response\",\"payload\":{\"pong\":true}}\n", line);
    }

    [Fact]
    public void WriteResponse_copies_the_raw_id_and_payload_unchanged()
    {
        var line = Written(w => Envelope.WriteResponse(w, "\"a\\\"b\""u8, "[ 1 , \"é\" ]"u8));

        Assert.Equal("{\"id\":\"a\\\"b\",\"type\":\"response\",\"payload\":[ 1 , \"é\" ]}\n", line);
    }

    [Fact]
    public void Successive_writes_append_whole_lines_even_into_a_writer_that_starts_tiny()
    {
        var output = new ArrayBufferWriter<byte>(1);

        Envelope.WriteResponse(output, "\"1\""u8, "1"u8);
        Envelope.WriteError(output, "\"2\""u8, "no", null);
        Envelope.WriteRequest(output, "3", "{}"u8);

        Assert.Equal(
            "{\"id\":\"1\",\"type\":\"response\",\"payload\":1}\n"
            + "{\"id\":\"2\",\"type\":\"error\",\"payload\":{\"message\":\"no\"}}\n"
            + "{\"id\":\"3\",\"type\":\"request\",\"payload\":{}}\n",
            Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void WriteError_writes_the_message_and_code_in_the_payload()
    {
        var line = Written(w => Envelope.WriteError(w, "\"7\""u8, "boom", IpcErrorCodes.HandlerError));

        Assert.Equal("{\"id\":\"7\",\"type\":\"error\",\"payload\":{\"message\":\"boom\",\"code\":\"HANDLER_ERROR\"}}\n", line);
    }

    [Fact]
    public void WriteError_omits_the_code_when_there_is_none_as_the_reference_does()
    {
        var line = Written(w => Envelope.WriteError(w, "\"7\""u8, "boom", null));

        Assert.Equal("{\"id\":\"7\",\"type\":\"error\",\"payload\":{\"message\":\"boom\"}}\n", line);
    }

    [Fact]
    public void WriteError_with_no_id_writes_a_json_null_id()
    {
        var line = Written(w => Envelope.WriteError(w, ReadOnlySpan<byte>.Empty, "bad frame", IpcErrorCodes.ProtocolError));

        Assert.Equal("{\"id\":null,\"type\":\"error\",\"payload\":{\"message\":\"bad frame\",\"code\":\"PROTOCOL_ERROR\"}}\n", line);
    }

    [Fact]
    public void WriteError_escapes_quotes_backslashes_and_control_characters_and_keeps_other_text_readable()
    {
        var line = Written(w => Envelope.WriteError(w, "\"1\""u8, "say \"hi\"\n\\ \t\u0001 é ✓ <&>", null));

        Assert.Equal("{\"id\":\"1\",\"type\":\"error\",\"payload\":{\"message\":\"say \\\"hi\\\"\\n\\\\ \\t\\u0001 é ✓ <&>\"}}\n", line);
    }

    [Theory]
    [InlineData("line one\nline two")]
    [InlineData("quote \" backslash \\ slash /")]
    [InlineData("emoji 😀 and separators \u2028\u2029")]
    [InlineData("nul \u0000 del \u007f")]
    [InlineData("")]
    public void WriteError_messages_round_trip_through_a_json_parser_on_a_single_line(string message)
    {
        var line = Written(w => Envelope.WriteError(w, "\"1\""u8, message, "C\"ODE"));

        AssertSingleLine(line);
        using var document = JsonDocument.Parse(line);
        var payload = document.RootElement.GetProperty("payload");
        Assert.Equal(message, payload.GetProperty("message").GetString());
        Assert.Equal("C\"ODE", payload.GetProperty("code").GetString());
    }

    [Fact]
    public void WriteRequest_writes_the_reference_envelope_with_the_id_as_a_json_string()
    {
        var line = Written(w => Envelope.WriteRequest(w, "a\"b", "{\"type\":\"ping\"}"u8));

        Assert.Equal("{\"id\":\"a\\\"b\",\"type\":\"request\",\"payload\":{\"type\":\"ping\"}}\n", line);
    }

    [Fact]
    public void WriteRequest_with_no_payload_writes_a_json_null_payload()
    {
        var line = Written(w => Envelope.WriteRequest(w, "1", ReadOnlySpan<byte>.Empty));

        Assert.Equal("{\"id\":\"1\",\"type\":\"request\",\"payload\":null}\n", line);
    }

    // ParseReply

    [Fact]
    public void A_response_reply_gives_its_id_and_a_copy_of_the_raw_payload()
    {
        var reply = ParseReply("""{"id":"7","type":"response","payload":{"pong":true, "n":[1]}}""");

        Assert.NotNull(reply);
        Assert.Equal("7", reply.Id);
        Assert.False(reply.IsError);
        Assert.Equal("""{"pong":true, "n":[1]}""", Encoding.UTF8.GetString(reply.Payload.Span));
        Assert.Null(reply.ErrorCode);
    }

    [Fact]
    public void A_response_payload_that_looks_like_an_error_payload_is_still_just_the_payload()
    {
        var reply = ParseReply("""{"id":"7","type":"response","payload":{"message":"hi","code":"X"}}""");

        Assert.NotNull(reply);
        Assert.False(reply.IsError);
        Assert.Equal("""{"message":"hi","code":"X"}""", Encoding.UTF8.GetString(reply.Payload.Span));
    }

    [Fact]
    public void A_response_without_a_payload_has_a_null_payload()
    {
        var reply = ParseReply("""{"id":"7","type":"response"}""");

        Assert.NotNull(reply);
        Assert.Equal("null", Encoding.UTF8.GetString(reply.Payload.Span));
    }

    [Theory]
    [InlineData("""{"id":"7","type":"response","payload":"text"}""", "\"text\"")]
    [InlineData("""{"id":"7","type":"response","payload":[1,{"a":2}]}""", """[1,{"a":2}]""")]
    [InlineData("""{"id":"7","type":"response","payload":42}""", "42")]
    [InlineData("""{"payload":null,"type":"response","id":"7"}""", "null")]
    public void A_response_payload_of_any_json_kind_is_returned_raw(string line, string payload)
    {
        var reply = ParseReply(line);

        Assert.NotNull(reply);
        Assert.Equal("7", reply.Id);
        Assert.Equal(payload, Encoding.UTF8.GetString(reply.Payload.Span));
    }

    [Fact]
    public void An_error_reply_gives_its_message_and_code()
    {
        var reply = ParseReply("""{"id":"7","type":"error","payload":{"message":"boom \"x\"","code":"HANDLER_ERROR"}}""");

        Assert.NotNull(reply);
        Assert.Equal("7", reply.Id);
        Assert.True(reply.IsError);
        Assert.Equal("boom \"x\"", reply.ErrorMessage);
        Assert.Equal("HANDLER_ERROR", reply.ErrorCode);
        Assert.True(reply.Payload.IsEmpty);
    }

    [Fact]
    public void An_error_reply_from_the_reference_has_no_code()
    {
        var reply = ParseReply("""{"id":"7","type":"error","payload":{"message":"Unknown message type"}}""");

        Assert.NotNull(reply);
        Assert.True(reply.IsError);
        Assert.Equal("Unknown message type", reply.ErrorMessage);
        Assert.Null(reply.ErrorCode);
    }

    [Fact]
    public void An_error_reply_reads_message_and_code_only_at_the_top_of_its_payload()
    {
        var reply = ParseReply("""{"id":"7","type":"error","payload":{"details":{"message":"inner","code":"INNER"},"list":[{"message":"x"}]}}""");

        Assert.NotNull(reply);
        Assert.True(reply.IsError);
        Assert.Equal("error reply without a message", reply.ErrorMessage);
        Assert.Null(reply.ErrorCode);
    }

    [Fact]
    public void An_error_reply_may_carry_its_payload_before_its_type()
    {
        var reply = ParseReply("""{"payload":{"code":"C","message":"m"},"type":"error","id":"7"}""");

        Assert.NotNull(reply);
        Assert.True(reply.IsError);
        Assert.Equal(("m", "C"), (reply.ErrorMessage, reply.ErrorCode));
    }

    [Theory]
    [InlineData("""{"id":null,"type":"error","payload":{"message":"bad frame"}}""")]
    [InlineData("""{"type":"error","payload":{"message":"bad frame"}}""")]
    [InlineData("""{"id":5,"type":"error","payload":{"message":"bad frame"}}""")]
    public void An_error_reply_without_a_string_id_answers_an_unknown_request(string line)
    {
        var reply = ParseReply(line);

        Assert.NotNull(reply);
        Assert.Null(reply.Id);
        Assert.True(reply.IsError);
        Assert.Equal("bad frame", reply.ErrorMessage);
    }

    [Fact]
    public void Escaped_member_names_in_a_reply_are_recognized()
    {
        var reply = ParseReply("""{"\u0069d":"7","typ\u0065":"error","payload":{"m\u0065ssage":"m","c\u006fde":"C"}}""");

        Assert.NotNull(reply);
        Assert.Equal(("7", true, "m", "C"), (reply.Id, reply.IsError, reply.ErrorMessage, reply.ErrorCode));
    }

    [Theory]
    [InlineData("""{"id":"7","type":"request","payload":{}}""")]
    [InlineData("""{"id":"7","type":"bogus"}""")]
    [InlineData("""{"id":"7","payload":{}}""")]
    [InlineData("""{"id":"7","type":5}""")]
    [InlineData("""{"id":"7","type":"response","payload":{""")]
    [InlineData("garbage")]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("\"response\"")]
    public void A_line_that_is_not_a_reply_object_parses_to_null(string line)
    {
        Assert.Null(ParseReply(line));
    }

    // Properties

    [Property]
    public Property A_written_request_parses_back_to_the_same_id_and_payload() =>
        Prop.ForAll(
            Arb.From(JsonGenerators.Text.Zip(JsonGenerators.Value)),
            c =>
            {
                var (id, payload) = c;
                var line = WrittenBytes(w => Envelope.WriteRequest(w, id, Encoding.UTF8.GetBytes(payload)));
                AssertSingleLine(Encoding.UTF8.GetString(line));

                var parsed = Envelope.ParseRequest(line.AsSpan(0, line.Length - 1));

                Assert.Null(parsed.Problem);
                Assert.Equal(id, JsonSerializer.Deserialize<string>(parsed.Id));
                AssertSameJson(payload, parsed.Payload);
                Assert.Equal(payload, Encoding.UTF8.GetString(parsed.Payload));
            });

    [Property]
    public Property A_written_response_parses_back_as_a_reply_with_the_same_id_and_payload() =>
        Prop.ForAll(
            Arb.From(JsonGenerators.Text.Zip(JsonGenerators.Value)),
            c =>
            {
                var (id, payload) = c;
                var line = WrittenBytes(w => Envelope.WriteResponse(w, JsonSerializer.SerializeToUtf8Bytes(id), Encoding.UTF8.GetBytes(payload)));
                AssertSingleLine(Encoding.UTF8.GetString(line));

                var reply = Envelope.ParseReply(line.AsSpan(0, line.Length - 1));

                Assert.NotNull(reply);
                Assert.Equal(id, reply.Id);
                Assert.False(reply.IsError);
                AssertSameJson(payload, reply.Payload.Span);
            });

    [Property]
    public Property A_written_error_parses_back_as_a_reply_with_the_same_id_message_and_code() =>
        Prop.ForAll(
            Arb.From(
                from id in Gen.Frequency((1, Gen.Constant<string?>(null)), (4, JsonGenerators.Text.Select(t => (string?)t)))
                from message in JsonGenerators.Text
                from code in Gen.Frequency((1, Gen.Constant<string?>(null)), (3, JsonGenerators.Text.Select(t => (string?)t)))
                select (Id: id, Message: message, Code: code)),
            c =>
            {
                var rawId = c.Id is null ? Array.Empty<byte>() : JsonSerializer.SerializeToUtf8Bytes(c.Id);
                var line = WrittenBytes(w => Envelope.WriteError(w, rawId, c.Message, c.Code));
                AssertSingleLine(Encoding.UTF8.GetString(line));

                var reply = Envelope.ParseReply(line);

                Assert.NotNull(reply);
                Assert.True(reply.IsError);
                Assert.Equal(c.Id, reply.Id);
                Assert.Equal(c.Message, reply.ErrorMessage);
                Assert.Equal(c.Code, reply.ErrorCode);
            });

    [Property]
    public Property WriteError_always_writes_exactly_one_line_of_valid_json_whatever_the_message() =>
        Prop.ForAll(
            ArbMap.Default.ArbFor<string>().Filter(s => s is not null),
            message =>
            {
                var line = Written(w => Envelope.WriteError(w, "\"1\""u8, message, IpcErrorCodes.HandlerError));

                AssertSingleLine(line);
                using var document = JsonDocument.Parse(line);
                Assert.Equal(JsonValueKind.String, document.RootElement.GetProperty("payload").GetProperty("message").ValueKind);
            });

    [Property]
    public Property ParseRequest_never_throws_and_is_valid_exactly_when_it_has_no_problem() =>
        Prop.ForAll(
            Arb.From(JsonGenerators.LineLikeBytes),
            line =>
            {
                var parsed = Envelope.ParseRequest(line);

                Assert.Equal(parsed.Problem is null, parsed.IsValid);
                if (parsed.IsValid)
                {
                    Assert.Equal((byte)'"', parsed.Id[0]);
                    using var payload = JsonDocument.Parse(parsed.Payload.ToArray());
                }
                else
                {
                    Assert.False(string.IsNullOrWhiteSpace(parsed.Problem));
                }
            });

    [Property]
    public Property ParseReply_never_throws_on_line_like_bytes() =>
        Prop.ForAll(
            Arb.From(JsonGenerators.LineLikeBytes),
            line =>
            {
                var reply = Envelope.ParseReply(line);

                if (reply is { IsError: false })
                {
                    using var payload = JsonDocument.Parse(reply.Payload);
                }
            });

    [Fact]
    public void Line_like_inputs_cover_valid_requests_and_every_kind_of_rejection()
    {
        // Guards the never-throws properties against a generator that only ever produces one outcome.
        var problems = Gen.Sample(JsonGenerators.LineLikeBytes, 3000)
            .Select(bytes => Envelope.ParseRequest(bytes).Problem ?? "valid")
            .Select(p => p.StartsWith("invalid JSON", StringComparison.Ordinal) ? "invalid JSON" : p.StartsWith("expected", StringComparison.Ordinal) ? "expected" : p)
            .ToHashSet();

        Assert.Superset(
            new HashSet<string> { "valid", "invalid JSON", "expected", "the line is not valid UTF-8", "the request has no \"id\"", "\"id\" must be a string", "\"type\" must be \"request\"" },
            problems);
    }

    // Helpers

    private sealed record ParsedRequest(bool IsValid, string Id, string Payload, string? Problem);

    private static ParsedRequest Parse(string line) => Parse(Encoding.UTF8.GetBytes(line));

    private static ParsedRequest Parse(byte[] line)
    {
        var parsed = Envelope.ParseRequest(line);
        return new ParsedRequest(parsed.IsValid, Encoding.UTF8.GetString(parsed.Id), Encoding.UTF8.GetString(parsed.Payload), parsed.Problem);
    }

    private static ReplyEnvelope? ParseReply(string line) => Envelope.ParseReply(Encoding.UTF8.GetBytes(line));

    private static byte[] WrittenBytes(Action<ArrayBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return output.WrittenSpan.ToArray();
    }

    private static string Written(Action<ArrayBufferWriter<byte>> write) => Encoding.UTF8.GetString(WrittenBytes(write));

    /// <summary>A frame: ends in the one newline it contains.</summary>
    private static void AssertSingleLine(string line)
    {
        Assert.EndsWith("\n", line, StringComparison.Ordinal);
        Assert.Equal(line.Length - 1, line.IndexOf('\n', StringComparison.Ordinal));
    }

    private static void AssertSameJson(string expected, ReadOnlySpan<byte> actual)
    {
        using var expectedDocument = JsonDocument.Parse(expected);
        using var actualDocument = JsonDocument.Parse(actual.ToArray());
        Assert.True(
            JsonElement.DeepEquals(expectedDocument.RootElement, actualDocument.RootElement),
            $"expected {expected}, got {Encoding.UTF8.GetString(actual)}");
    }
}
