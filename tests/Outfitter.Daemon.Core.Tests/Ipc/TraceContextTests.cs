using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Outfitter.Daemon.Core.Ipc;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Ipc;

/// <summary>
/// The W3C trace context in the request envelope: written only when given (so a request without one is the reference's
/// bytes), read back when well-formed, and ignored — never an error — when it is not.
/// </summary>
public sealed class TraceContextTests
{
    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Theory]
    [InlineData(TraceParent)]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")]
    [InlineData("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]
    [InlineData("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-a-later-version-adds")]
    public void A_well_formed_traceparent_is_valid(string value)
    {
        Assert.True(TraceContext.IsValidTraceParent(Encoding.ASCII.GetBytes(value)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("00")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0")]               // short
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-011")]             // version 00 is exactly 55 bytes
    [InlineData("00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01")]              // uppercase
    [InlineData("00-00000000000000000000000000000000-b7ad6b7169203331-01")]              // all-zero trace id
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01")]              // all-zero parent id
    [InlineData("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]              // version ff is forbidden
    [InlineData("00_0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331_01")]              // wrong separators
    [InlineData("00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01")]              // not hex
    [InlineData("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x")]             // later version, no dash after
    [InlineData("zz-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]
    public void A_malformed_traceparent_is_not_valid(string value)
    {
        Assert.False(TraceContext.IsValidTraceParent(Encoding.ASCII.GetBytes(value)));
    }

    [Fact]
    public void The_parts_of_a_traceparent_are_its_trace_id_parent_id_and_sampled_flag()
    {
        var header = Encoding.ASCII.GetBytes(TraceParent);

        Assert.Equal("0af7651916cd43dd8448eb211c80319c", Encoding.ASCII.GetString(TraceContext.TraceId(header)));
        Assert.Equal("b7ad6b7169203331", Encoding.ASCII.GetString(TraceContext.ParentId(header)));
        Assert.True(TraceContext.IsSampled(header));
        Assert.False(TraceContext.IsSampled(Encoding.ASCII.GetBytes(TraceParent[..^2] + "02")));
        Assert.True(TraceContext.IsSampled(Encoding.ASCII.GetBytes(TraceParent[..^2] + "0b")));
    }

    [Fact]
    public void A_request_without_trace_context_is_the_reference_envelope_byte_for_byte()
    {
        var line = Written(w => Envelope.WriteRequest(w, "7", "{\"type\":\"ping\"}"u8, traceParent: null, traceState: "ignored without a parent"));

        Assert.Equal("{\"id\":\"7\",\"type\":\"request\",\"payload\":{\"type\":\"ping\"}}\n", line);
    }

    [Fact]
    public void A_request_with_trace_context_carries_it_as_members_beside_id_type_and_payload()
    {
        var line = Written(w => Envelope.WriteRequest(w, "7", "{\"type\":\"ping\"}"u8, TraceParent, "congo=t61rcWkgMzE"));

        Assert.Equal($"{{\"id\":\"7\",\"type\":\"request\",\"payload\":{{\"type\":\"ping\"}},\"traceparent\":\"{TraceParent}\",\"tracestate\":\"congo=t61rcWkgMzE\"}}\n", line);
    }

    [Fact]
    public void An_empty_tracestate_is_not_written()
    {
        var line = Written(w => Envelope.WriteRequest(w, "7", "1"u8, TraceParent, ""));

        Assert.Equal($"{{\"id\":\"7\",\"type\":\"request\",\"payload\":1,\"traceparent\":\"{TraceParent}\"}}\n", line);
    }

    [Fact]
    public void A_written_trace_context_is_read_back_from_the_request()
    {
        var line = WrittenBytes(w => Envelope.WriteRequest(w, "7", "{\"type\":\"ping\"}"u8, TraceParent, "a=1,b=2"));

        var parsed = Envelope.ParseRequest(line.AsSpan(0, line.Length - 1));

        Assert.True(parsed.IsValid);
        Assert.Equal(TraceParent, Encoding.ASCII.GetString(parsed.TraceParent));
        Assert.Equal("a=1,b=2", Encoding.ASCII.GetString(parsed.TraceState));
        Assert.Equal("{\"type\":\"ping\"}", Encoding.UTF8.GetString(parsed.Payload));
    }

    [Fact]
    public void The_trace_context_may_come_anywhere_in_the_object()
    {
        var parsed = Envelope.ParseRequest(Encoding.UTF8.GetBytes($$"""{"tracestate":"x=1","traceparent":"{{TraceParent}}","id":"1","type":"request","payload":2}"""));

        Assert.True(parsed.IsValid);
        Assert.Equal(TraceParent, Encoding.ASCII.GetString(parsed.TraceParent));
        Assert.Equal("x=1", Encoding.ASCII.GetString(parsed.TraceState));
    }

    [Theory]
    [InlineData("\"00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01\"")]
    [InlineData("\"garbage\"")]
    [InlineData("\"\"")]
    [InlineData("42")]
    [InlineData("null")]
    [InlineData("{\"traceparent\":\"" + TraceParent + "\"}")]
    [InlineData("[\"" + TraceParent + "\"]")]
    [InlineData("\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0\\u0031\"")] // escaped: not a header's text
    public void A_malformed_traceparent_is_ignored_and_the_request_stays_valid(string traceParentJson)
    {
        var parsed = Envelope.ParseRequest(Encoding.UTF8.GetBytes($$"""{"id":"1","type":"request","payload":{"type":"ping"},"traceparent":{{traceParentJson}},"tracestate":"a=1"}"""));

        Assert.True(parsed.IsValid, parsed.Problem);
        Assert.True(parsed.TraceParent.IsEmpty);
        Assert.True(parsed.TraceState.IsEmpty); // tracestate means nothing without its parent
        Assert.Equal("{\"type\":\"ping\"}", Encoding.UTF8.GetString(parsed.Payload));
    }

    [Fact]
    public void An_oversized_traceparent_is_ignored_and_the_request_stays_valid()
    {
        var huge = TraceParent + new string('0', 100_000);

        var parsed = Envelope.ParseRequest(Encoding.UTF8.GetBytes($$"""{"id":"1","type":"request","traceparent":"{{huge}}"}"""));

        Assert.True(parsed.IsValid, parsed.Problem);
        Assert.True(parsed.TraceParent.IsEmpty);
    }

    [Theory]
    [InlineData(513)]
    [InlineData(10_000)]
    public void A_tracestate_over_512_bytes_is_dropped_but_the_traceparent_kept(int length)
    {
        var parsed = Envelope.ParseRequest(Encoding.UTF8.GetBytes($$"""{"id":"1","type":"request","traceparent":"{{TraceParent}}","tracestate":"{{new string('a', length)}}"}"""));

        Assert.True(parsed.IsValid);
        Assert.Equal(TraceParent, Encoding.ASCII.GetString(parsed.TraceParent));
        Assert.True(parsed.TraceState.IsEmpty);
    }

    [Theory]
    [InlineData("a=\u00e9")]
    [InlineData("a=1\\n")]
    [InlineData("a=\\u0007")]
    public void A_tracestate_that_is_not_printable_ascii_is_dropped(string traceState)
    {
        var parsed = Envelope.ParseRequest(Encoding.UTF8.GetBytes($$"""{"id":"1","type":"request","traceparent":"{{TraceParent}}","tracestate":"{{traceState}}"}"""));

        Assert.True(parsed.IsValid);
        Assert.Equal(TraceParent, Encoding.ASCII.GetString(parsed.TraceParent));
        Assert.True(parsed.TraceState.IsEmpty);
    }

    [Theory]
    [InlineData("\u00ff\u00fe", ProtocolProblems.InvalidUtf8)]
    [InlineData("{\"id\":", ProtocolProblems.InvalidJson)]
    [InlineData("[1]", ProtocolProblems.NotAnObject)]
    [InlineData("{\"type\":\"request\"}", ProtocolProblems.MissingId)]
    [InlineData("{\"id\":1,\"type\":\"request\"}", ProtocolProblems.IdNotString)]
    [InlineData("{\"id\":\"1\"}", ProtocolProblems.MissingType)]
    [InlineData("{\"id\":\"1\",\"type\":\"response\"}", ProtocolProblems.NotARequest)]
    public void Every_rejection_has_a_stable_reason_for_metrics_and_logs(string line, string reason)
    {
        var bytes = line.StartsWith('\u00ff') ? [0xff, 0xfe] : Encoding.UTF8.GetBytes(line);

        var parsed = Envelope.ParseRequest(bytes);

        Assert.False(parsed.IsValid);
        Assert.Equal(reason, parsed.Reason);
    }

    [Property]
    public Property Whatever_is_in_the_traceparent_member_a_valid_request_stays_valid_with_the_same_id_and_payload() =>
        Prop.ForAll(
            Arb.From(JsonGenerators.Text.Zip(JsonGenerators.Value)),
            c =>
            {
                var (junk, payload) = c;
                var member = Encoding.UTF8.GetString(WrittenBytes(w =>
                {
                    using var json = new System.Text.Json.Utf8JsonWriter(w);
                    json.WriteStringValue(junk);
                }));
                var line = Encoding.UTF8.GetBytes($$"""{"id":"1","type":"request","payload":{{payload}},"traceparent":{{member}},"tracestate":{{member}}}""");

                var parsed = Envelope.ParseRequest(line);

                Assert.True(parsed.IsValid, parsed.Problem);
                Assert.Equal(payload, Encoding.UTF8.GetString(parsed.Payload));
                Assert.Equal(TraceContext.IsValidTraceParent(Encoding.UTF8.GetBytes(junk)) && !member.Contains('\\'), !parsed.TraceParent.IsEmpty);
            });

    [Property]
    public Property A_random_valid_traceparent_round_trips_through_a_request() =>
        Prop.ForAll(
            Arb.From(
                from trace in Gen.ArrayOf(Gen.Elements("0123456789abcdef".ToCharArray()), 32)
                from parent in Gen.ArrayOf(Gen.Elements("0123456789abcdef".ToCharArray()), 16)
                from flags in Gen.Elements("00", "01", "03", "ff")
                where trace.Any(ch => ch != '0') && parent.Any(ch => ch != '0')
                select $"00-{new string(trace)}-{new string(parent)}-{flags}"),
            header =>
            {
                var line = WrittenBytes(w => Envelope.WriteRequest(w, "1", "null"u8, header, null));

                var parsed = Envelope.ParseRequest(line.AsSpan(0, line.Length - 1));

                Assert.Equal(header, Encoding.ASCII.GetString(parsed.TraceParent));
                Assert.Equal(header[3..35], Encoding.ASCII.GetString(TraceContext.TraceId(parsed.TraceParent)));
                Assert.Equal(header[36..52], Encoding.ASCII.GetString(TraceContext.ParentId(parsed.TraceParent)));
            });

    private static byte[] WrittenBytes(Action<ArrayBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return output.WrittenSpan.ToArray();
    }

    private static string Written(Action<ArrayBufferWriter<byte>> write) => Encoding.UTF8.GetString(WrittenBytes(write));
}
