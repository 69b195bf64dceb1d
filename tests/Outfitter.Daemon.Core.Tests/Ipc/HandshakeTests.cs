using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Outfitter.Daemon.Core.Ipc;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Ipc;

/// <summary>The hello handshake's pure parts: the request, recognising it, the answer, and reading any reply as a protocol.</summary>
public sealed class HandshakeTests
{
    private static ReadOnlyMemory<byte>? Response(string payloadJson) => Encoding.UTF8.GetBytes(payloadJson);

    private static string Written(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void The_request_is_the_issues_payload_byte_for_byte()
    {
        Assert.Equal("""{"type":"hello","protocol":2,"client":"my-cli/1.2.3"}""", Written(b => Handshake.WriteRequest(b, "my-cli/1.2.3")));
    }

    [Theory]
    [InlineData("""{"type":"hello","protocol":2,"client":"x/1"}""", true)]
    [InlineData("""{"protocol":1,"type":"hello"}""", true)]
    [InlineData("""{"type":"hello"}""", false)] // a user's own "hello" without a protocol goes to the user's handler
    [InlineData("""{"type":"hello","protocol":"2"}""", false)]
    [InlineData("""{"type":"ping","data":"hello"}""", false)]
    [InlineData("""{"type":"echo","data":{"type":"hello","protocol":2}}""", false)]
    [InlineData("""{"type":"hellos","protocol":2}""", false)]
    [InlineData("""{"type":"hello","protocol":2""", false)] // not well-formed
    [InlineData("null", false)]
    public void Only_a_hello_with_a_protocol_number_is_a_handshake(string payload, bool expected)
    {
        Assert.Equal(expected, Handshake.IsHello(Encoding.UTF8.GetBytes(payload)));
    }

    [Fact]
    public void The_answer_carries_every_field_and_reads_back()
    {
        var hello = new ServerHello(2, "my-daemon", "1.2.3", "abc", 4242, new DateTimeOffset(2026, 12, 4, 21, 0, 0, 123, TimeSpan.Zero), ["cancel", "idle"], "h1");
        var json = Written(b => Handshake.WriteResponse(b, hello));
        Assert.Equal("""{"protocol":2,"name":"my-daemon","version":"1.2.3","build":"abc","pid":4242,"startedAt":"2026-12-04T21:00:00.123Z","capabilities":["cancel","idle"],"optionsHash":"h1"}""", json);
        var back = Handshake.Interpret(Response(json));
        Assert.Equal(hello with { Capabilities = back.Capabilities }, back);
        Assert.Equal(["cancel", "idle"], back.Capabilities);
        Assert.True(back.Supports("idle"));
        Assert.False(back.Supports("events"));
    }

    [Theory]
    [InlineData("""{"pong":true}""")] // a handler that answers everything the same
    [InlineData("null")] // the reference's handler returned undefined
    [InlineData("\"hello\"")]
    [InlineData("""{"protocol":1}""")]
    [InlineData("""{"protocol":"2"}""")]
    [InlineData("""{"protocol":2.5}""")]
    [InlineData("[1,2]")]
    public void Any_other_answer_means_protocol_one(string payload)
    {
        Assert.Same(ServerHello.ProtocolOne, Handshake.Interpret(Response(payload)));
    }

    [Fact]
    public void An_error_reply_or_no_reply_means_protocol_one()
    {
        Assert.Same(ServerHello.ProtocolOne, Handshake.Interpret(null)); // an error reply, or none
    }

    [Fact]
    public void Members_of_the_wrong_type_are_ignored_not_errors()
    {
        var hello = Handshake.Interpret(Response("""{"protocol":3,"name":7,"version":null,"pid":"12","startedAt":"not a date","capabilities":["cancel",5,null]}"""));
        Assert.Equal(new ServerHello(3, null, null, null, null, null, hello.Capabilities, null), hello);
        Assert.Equal(["cancel"], hello.Capabilities);
    }

    private static Gen<string?> Texts => Gen.OneOf(Gen.Constant<string?>(null), ArbMap.Default.GeneratorFor<NonNull<string>>().Select(s => (string?)s.Get));

    private static Gen<ServerHello> Hellos =>
        from name in Texts
        from version in Texts
        from build in Texts
        from pid in Gen.OneOf(Gen.Constant<int?>(null), Gen.Choose(1, int.MaxValue).Select(p => (int?)p))
        from ms in Gen.OneOf(Gen.Constant<long?>(null), Gen.Choose(0, int.MaxValue).Select(s => (long?)s * 1000 + 7))
        from capabilities in Gen.ArrayOf(Gen.Elements("cancel", "events", "idle", "subscribe", "x-é😀"))
        from hash in Texts
        select new ServerHello(2, name, version, build, pid, ms is { } t ? DateTimeOffset.FromUnixTimeMilliseconds(t) : null, capabilities, hash);

    [Property(MaxTest = 500)]
    public Property Every_answer_a_server_writes_is_read_back_as_written() =>
        Prop.ForAll(Arb.From(Hellos), hello =>
        {
            // Lone surrogates cannot round-trip through UTF-8; the writer replaces them, so compare with what was sent.
            var back = Handshake.Interpret(Response(Written(b => Handshake.WriteResponse(b, hello))));
            return back.Protocol == 2
                && back.Name == Clean(hello.Name) && back.Version == Clean(hello.Version) && back.Build == Clean(hello.Build)
                && back.Pid == hello.Pid && back.StartedAt == hello.StartedAt && back.OptionsHash == Clean(hello.OptionsHash)
                && back.Capabilities.SequenceEqual(hello.Capabilities);
        });

    [Property(MaxTest = 500)]
    public Property Every_request_a_client_writes_is_recognised_as_a_handshake() =>
        Prop.ForAll(Arb.From(ArbMap.Default.GeneratorFor<NonNull<string>>()), client =>
            Handshake.IsHello(Encoding.UTF8.GetBytes(Written(b => Handshake.WriteRequest(b, client.Get)))));

    private static string? Clean(string? text) => text is null ? null : Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text));
}
