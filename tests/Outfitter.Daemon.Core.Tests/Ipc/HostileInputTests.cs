using System.Text;
using Outfitter.Daemon.Core.Ipc;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Ipc;

/// <summary>Inputs that once made the pure IPC functions throw or misread; each must give a value, never an exception.</summary>
public sealed class HostileInputTests
{
    [Theory]
    [InlineData("{\"\\uDC00\":1}")]
    [InlineData("{\"\\uD800\":1}")]
    [InlineData("{\"\\uD800x\":1}")]
    [InlineData("{\"id\":\"1\",\"\\uDC00\":1,\"type\":\"request\"}")]
    public void A_member_name_with_a_lone_surrogate_is_an_invalid_request_not_an_exception(string line)
    {
        var envelope = Envelope.ParseRequest(Encoding.UTF8.GetBytes(line));

        Assert.False(envelope.IsValid);
        Assert.Contains("invalid JSON", envelope.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"\\uDC00\":1}", "id")]
    [InlineData("{\"type\":\"\\uD800\"}", "type")]
    [InlineData("{\"type\":\"\\uDC00\"}", "type")]
    public void Payload_fields_with_lone_surrogates_are_absent_not_exceptions(string payload, string name)
    {
        var bytes = Encoding.UTF8.GetBytes(payload);
        Span<byte> destination = stackalloc byte[64];

        Assert.Equal(-1, PayloadFields.TryGetString(bytes, Encoding.UTF8.GetBytes(name), destination));
    }

    [Theory]
    [InlineData("{\"type\":\"p\\u0069ng\"}", "ping")]
    [InlineData("{\"type\":\"a\\\"b\"}", "a\"b")]
    [InlineData("{\"type\":\"\\nab\"}", "\nab")]
    public void An_escaped_string_that_exactly_fills_the_destination_is_read(string payload, string expected)
    {
        var destination = new byte[Encoding.UTF8.GetByteCount(expected)];

        var written = PayloadFields.TryGetString(Encoding.UTF8.GetBytes(payload), "type"u8, destination);

        Assert.Equal(expected, Encoding.UTF8.GetString(destination, 0, written));
    }

    [Fact]
    public void An_escaped_type_value_that_spells_request_is_a_request()
    {
        var envelope = Envelope.ParseRequest("{\"id\":\"1\",\"type\":\"req\\u0075est\",\"payload\":1}"u8);

        Assert.True(envelope.IsValid, envelope.Problem);
    }

    [Fact]
    public void A_repeated_member_reads_as_the_last_one_as_javascript_does()
    {
        Assert.True(PayloadFields.TryGetRaw("{\"type\":\"a\",\"type\":\"b\"}"u8, "type"u8, out var value));
        Assert.Equal("\"b\"", Encoding.UTF8.GetString(value));
    }

    [Theory]
    [InlineData("{\"type\":\"ping\",")]
    [InlineData("{\"type\":\"ping\"} junk")]
    public void A_malformed_payload_has_no_fields(string payload) =>
        Assert.False(PayloadFields.TryGetRaw(Encoding.UTF8.GetBytes(payload), "type"u8, out _));

    [Fact]
    public void A_reply_with_trailing_garbage_is_not_a_reply() =>
        Assert.Null(Envelope.ParseReply("{\"id\":\"1\",\"type\":\"response\",\"payload\":1} junk"u8));

    [Fact]
    public void Permission_problems_are_not_retried_but_a_missing_socket_is()
    {
        var denied = EndpointDecisions.ClassifyConnectFailure("/s", ConnectFailure.PermissionDenied, LanguageExt.Option<LockDecision>.None, LanguageExt.Option<int>.None);
        var notSocket = EndpointDecisions.ClassifyConnectFailure("/s", ConnectFailure.NotASocket, LanguageExt.Option<LockDecision>.None, LanguageExt.Option<int>.None);
        var missing = EndpointDecisions.ClassifyConnectFailure("/s", ConnectFailure.NoEndpoint, LanguageExt.Option<LockDecision>.None, LanguageExt.Option<int>.None);

        Assert.False(EndpointDecisions.IsTransient(denied));
        Assert.False(EndpointDecisions.IsTransient(notSocket));
        Assert.True(EndpointDecisions.IsTransient(missing));
    }
}
