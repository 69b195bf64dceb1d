using System.Text;
using LanguageExt;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Locking;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Fuzz;

/// <summary>What fuzzing the parsers found (fuzz/README.md): each finding as a plain test, next to its corpus input.</summary>
public sealed class FuzzFindingsTests
{
    [Theory]
    [InlineData(65)]
    [InlineData(200)]
    [InlineData(254)]
    public void A_payload_nested_deeper_than_the_reader_default_still_routes_on_its_type(int depth)
    {
        // Found by the envelope and payload targets (corpus deep-payload-fields, deep-100): the envelope accepts nesting to
        // 256, but PayloadFields read with the default limit of 64, so a valid request's "type" silently read as absent.
        var payload = "{\"type\":\"ping\",\"deep\":" + new string('[', depth - 1) + new string(']', depth - 1) + "}";
        var line = Encoding.UTF8.GetBytes("{\"id\":\"1\",\"type\":\"request\",\"payload\":" + payload + "}");
        var request = Envelope.ParseRequest(line);
        Assert.True(request.IsValid, request.Problem);

        Span<byte> type = stackalloc byte[16];
        var written = PayloadFields.TryGetString(request.Payload, "type"u8, type);

        Assert.Equal("ping", Encoding.UTF8.GetString(type[..Math.Max(written, 0)]));
        Assert.True(PayloadFields.TryGetRaw(request.Payload, "deep"u8, out _));
    }

    [Fact]
    public void A_payload_deeper_than_any_request_can_carry_has_no_fields()
    {
        var payload = Encoding.UTF8.GetBytes("{\"type\":\"ping\",\"deep\":" + new string('[', 300) + new string(']', 300) + "}");

        Assert.False(PayloadFields.TryGetRaw(payload, "type"u8, out _));
    }

    [Fact]
    public void A_lock_file_over_the_limit_in_bytes_is_invalid_though_it_has_fewer_characters()
    {
        // Found by the lockfile target (corpus oversized-multibyte): the adapter reads MaxBytes + 1 bytes to tell an
        // oversized file, but the parser compared characters, so 4202 bytes of "1\n" + "é"... read as PID 1's lock.
        var text = "1\n" + new string('é', 2100);
        Assert.True(Encoding.UTF8.GetByteCount(text) > LockFileContent.MaxBytes);

        var content = LockFileContent.Parse(Prelude.Some(text));

        Assert.IsType<LockFileContent.Invalid>(content);
    }

    [Fact]
    public void A_lock_file_of_exactly_the_limit_in_multibyte_text_is_still_read()
    {
        var text = "42\n" + new string('é', (LockFileContent.MaxBytes - 3) / 2);
        Assert.True(Encoding.UTF8.GetByteCount(text) <= LockFileContent.MaxBytes);

        Assert.Equal(Prelude.Some(42), LockFileContent.Parse(Prelude.Some(text)).Pid);
    }

    [Fact]
    public void The_error_reply_to_an_invalid_request_whose_id_is_no_text_is_still_a_reply()
    {
        // Found by the envelope target (corpus afl-invalid-request-lone-surrogate-id): the server echoes the raw id
        // "\uD800" in its error reply, and ParseReply threw on decoding it, so the client took the line for garbage.
        var request = Envelope.ParseRequest(" {\"id\":\"\\uD800\",\"typ"u8);
        Assert.False(request.IsValid);
        var output = new System.Buffers.ArrayBufferWriter<byte>();
        Envelope.WriteError(output, request.Id, "Invalid request: " + request.Problem + ".", IpcErrorCodes.ProtocolError);

        var reply = Envelope.ParseReply(output.WrittenSpan[..^1]);

        Assert.NotNull(reply);
        Assert.True(reply.IsError);
        Assert.Null(reply.Id); // no text, so it answers no request of ours
        Assert.Equal(IpcErrorCodes.ProtocolError, reply.ErrorCode);
    }

    [Fact]
    public void An_error_message_cut_inside_a_surrogate_pair_keeps_its_text_with_a_replacement_character()
    {
        // A JavaScript daemon that truncates a message inside an emoji sends a lone "\ud83d" (JSON.stringify escapes
        // it); the reply must still reach the waiting request as that error, not close the connection.
        var reply = Envelope.ParseReply("{\"id\":\"7\",\"type\":\"error\",\"payload\":{\"message\":\"bo\\u006fm \\\"x\\\" \\ud83d\",\"code\":\"E\\udc00\"}}"u8);

        Assert.NotNull(reply);
        Assert.Equal("7", reply.Id);
        Assert.True(reply.IsError);
        Assert.Equal("boom \"x\" \uFFFD", reply.ErrorMessage);
        Assert.Equal("E\uFFFD", reply.ErrorCode);
    }

    [Theory]
    [InlineData("x", true)]
    [InlineData("type", false)]
    [InlineData("typ\uDC00e", false)]
    public void A_member_name_that_is_no_text_matches_nothing_and_hides_no_other_member(string name, bool found)
    {
        // Found by the payload target (corpus afl-lone-surrogate-name-after-match): ValueTextEquals threw on the lone
        // surrogate only when lengths let the comparison reach it, so whether "x" was found depended on the other names.
        var payload = "{\"x\":{\"type\":\"inner\"},\"typ\\uDC00e\":\"outer\"}"u8;

        Assert.Equal(found, PayloadFields.TryGetRaw(payload, Encoding.UTF8.GetBytes(name), out _));
    }
}
