using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Outfitter.Daemon.Core.Ipc;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Ipc;

public sealed class PayloadFieldsTests
{
    // TryGetRaw

    [Theory]
    [InlineData("""{"type":"status","n":5}""", "type", "\"status\"")]
    [InlineData("""{"type":"status","n":5}""", "n", "5")]
    [InlineData("""{"a":{"b":[1,2]},"c":[{"d":1}]}""", "a", """{"b":[1,2]}""")]
    [InlineData("""{"a":{"b":[1,2]},"c":[{"d":1}]}""", "c", """[{"d":1}]""")]
    [InlineData("""{"s":"a\"b\u00e9"}""", "s", "\"a\\\"b\\u00e9\"")]
    [InlineData("""{"t":true,"f":false,"z":null}""", "z", "null")]
    [InlineData("""{ "a" : [ 1 , 2 ] , "b" : 0 }""", "a", "[ 1 , 2 ]")]
    [InlineData("""{"t\u0079pe":"ping"}""", "type", "\"ping\"")]
    public void TryGetRaw_returns_the_raw_json_of_a_top_level_member(string payload, string name, string raw)
    {
        Assert.True(PayloadFields.TryGetRaw(Encoding.UTF8.GetBytes(payload), Encoding.UTF8.GetBytes(name), out var value));
        Assert.Equal(raw, Encoding.UTF8.GetString(value));
    }

    [Theory]
    [InlineData("""{"outer":{"type":"ping"}}""")]
    [InlineData("""{"list":[{"type":"ping"}]}""")]
    [InlineData("""{"outer":{"inner":{"type":"ping"}},"other":1}""")]
    [InlineData("""{"name":"type"}""")]
    public void TryGetRaw_does_not_find_a_member_that_exists_only_in_nested_values(string payload)
    {
        Assert.False(PayloadFields.TryGetRaw(Encoding.UTF8.GetBytes(payload), "type"u8, out var value));
        Assert.True(value.IsEmpty);
    }

    [Fact]
    public void TryGetRaw_finds_the_top_level_member_after_a_nested_one_of_the_same_name()
    {
        Assert.True(PayloadFields.TryGetRaw("""{"outer":{"type":"nested"},"type":"top"}"""u8, "type"u8, out var value));
        Assert.Equal("\"top\"", Encoding.UTF8.GetString(value));
    }

    [Fact]
    public void TryGetRaw_compares_member_names_exactly()
    {
        Assert.False(PayloadFields.TryGetRaw("""{"Type":"ping","typ":"x","types":"y"}"""u8, "type"u8, out _));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("""[{"type":"ping"}]""")]
    [InlineData("\"type\"")]
    [InlineData("5")]
    [InlineData("null")]
    [InlineData("true")]
    [InlineData("")]
    [InlineData("{}")]
    public void TryGetRaw_is_false_for_non_objects_and_objects_without_the_member(string payload)
    {
        Assert.False(PayloadFields.TryGetRaw(Encoding.UTF8.GetBytes(payload), "type"u8, out _));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{")]
    [InlineData("""{"type":""")]
    [InlineData("""{"type":}""")]
    [InlineData("""{"type" "ping"}""")]
    [InlineData("""{"other":1""")]
    [InlineData("""{"other":[1,{"type":"x"}""")]
    [InlineData("{type:\"ping\"}")]
    public void TryGetRaw_is_false_for_malformed_json_that_breaks_before_the_member(string payload)
    {
        Assert.False(PayloadFields.TryGetRaw(Encoding.UTF8.GetBytes(payload), "type"u8, out var value));
        Assert.True(value.IsEmpty);
    }

    // TryGetString

    [Fact]
    public void TryGetString_copies_a_plain_string_and_returns_its_length()
    {
        var destination = new byte[16];

        var written = PayloadFields.TryGetString("""{"type":"ping"}"""u8, "type"u8, destination);

        Assert.Equal(4, written);
        Assert.Equal("ping", Encoding.UTF8.GetString(destination, 0, written));
    }

    [Theory]
    [InlineData("""{"type":"p\u0069ng"}""", "ping")]
    [InlineData("""{"type":"a\"b\\c\/d\n"}""", "a\"b\\c/d\n")]
    [InlineData("""{"type":"\u00e9\u2713"}""", "é✓")]
    [InlineData("""{"type":"\ud83d\ude00"}""", "😀")]
    [InlineData("""{"type":"é✓😀"}""", "é✓😀")]
    [InlineData("""{"type":""}""", "")]
    public void TryGetString_unescapes_into_utf8(string payload, string expected)
    {
        var destination = new byte[64];

        var written = PayloadFields.TryGetString(Encoding.UTF8.GetBytes(payload), "type"u8, destination);

        Assert.Equal(Encoding.UTF8.GetByteCount(expected), written);
        Assert.Equal(expected, Encoding.UTF8.GetString(destination, 0, written));
    }

    [Theory]
    [InlineData("""{"type":5}""")]
    [InlineData("""{"type":null}""")]
    [InlineData("""{"type":true}""")]
    [InlineData("""{"type":{"a":"b"}}""")]
    [InlineData("""{"type":["ping"]}""")]
    [InlineData("""{"kind":"ping"}""")]
    [InlineData("""{"outer":{"type":"ping"}}""")]
    [InlineData("\"ping\"")]
    [InlineData("[\"type\",\"ping\"]")]
    [InlineData("""{"type":""")]
    public void TryGetString_is_minus_one_for_a_member_that_is_not_a_top_level_string(string payload)
    {
        Assert.Equal(-1, PayloadFields.TryGetString(Encoding.UTF8.GetBytes(payload), "type"u8, new byte[64]));
    }

    [Theory]
    [InlineData("""{"type":"ping"}""", 3)]
    [InlineData("""{"type":"ping"}""", 0)]
    [InlineData("""{"type":"p\u0069ng"}""", 3)]
    [InlineData("""{"type":"\u00e9"}""", 1)]
    public void TryGetString_is_minus_one_when_the_destination_is_too_small(string payload, int size)
    {
        Assert.Equal(-1, PayloadFields.TryGetString(Encoding.UTF8.GetBytes(payload), "type"u8, new byte[size]));
    }

    [Fact]
    public void TryGetString_fills_a_destination_of_exactly_the_length_of_an_unescaped_value()
    {
        var destination = new byte[4];

        Assert.Equal(4, PayloadFields.TryGetString("""{"type":"ping"}"""u8, "type"u8, destination));
        Assert.Equal("ping"u8.ToArray(), destination);
    }

    // Properties

    [Property]
    public Property TryGetRaw_finds_exactly_the_top_level_members_and_returns_their_raw_json() =>
        Prop.ForAll(
            Arb.From(
                from count in Gen.Choose(0, 5)
                from values in Gen.ArrayOf(JsonGenerators.Value, count)
                from hidden in JsonGenerators.Value
                from spaced in Gen.Elements(true, false)
                select (Values: values, Hidden: hidden, Spaced: spaced)),
            c =>
            {
                // Top-level names m0..m{n-1}; the name "hidden" only occurs one level down.
                var separator = c.Spaced ? " , " : ",";
                var members = c.Values.Select((value, i) => $"\"m{i}\"{(c.Spaced ? " : " : ":")}{value}")
                    .Append($"\"nest\":{{\"hidden\":{c.Hidden},\"deeper\":[{{\"hidden\":1}}]}}");
                var payload = Encoding.UTF8.GetBytes("{" + string.Join(separator, members) + "}");

                for (var i = 0; i < c.Values.Length; i++)
                {
                    Assert.True(PayloadFields.TryGetRaw(payload, Encoding.UTF8.GetBytes($"m{i}"), out var raw));
                    Assert.Equal(c.Values[i], Encoding.UTF8.GetString(raw));
                }

                Assert.False(PayloadFields.TryGetRaw(payload, "hidden"u8, out _));
                Assert.False(PayloadFields.TryGetRaw(payload, Encoding.UTF8.GetBytes($"m{c.Values.Length}"), out _));
            });

    [Property]
    public Property TryGetString_gives_back_the_utf8_of_any_string_however_it_was_escaped() =>
        Prop.ForAll(
            Arb.From(
                from literal in JsonGenerators.StringLiteral
                from nested in JsonGenerators.Value
                select (Literal: literal, Nested: nested)),
            c =>
            {
                var payload = Encoding.UTF8.GetBytes($"{{\"other\":{c.Nested},\"type\":{c.Literal}}}");
                var expected = Encoding.UTF8.GetBytes(JsonSerializer.Deserialize<string>(c.Literal)!);

                // Roomy: the escaped form is never shorter than the value.
                var destination = new byte[c.Literal.Length * 4];
                var written = PayloadFields.TryGetString(payload, "type"u8, destination);

                Assert.Equal(expected, destination.AsSpan(0, written).ToArray());
            });

    [Property]
    public Property TryGetString_refuses_a_destination_shorter_than_the_value() =>
        Prop.ForAll(
            Arb.From(
                from literal in JsonGenerators.StringLiteral.Where(l => JsonSerializer.Deserialize<string>(l)!.Length > 0)
                from shortBy in Gen.Choose(1, 8)
                select (Literal: literal, ShortBy: shortBy)),
            c =>
            {
                var payload = Encoding.UTF8.GetBytes($"{{\"type\":{c.Literal}}}");
                var length = Encoding.UTF8.GetByteCount(JsonSerializer.Deserialize<string>(c.Literal)!);

                Assert.Equal(-1, PayloadFields.TryGetString(payload, "type"u8, new byte[Math.Max(0, length - c.ShortBy)]));
            });
}
