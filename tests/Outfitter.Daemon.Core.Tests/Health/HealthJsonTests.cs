using System.Buffers;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Outfitter.Daemon.Core.Health;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Health;

public sealed class HealthJsonTests
{
    private static string Json(DaemonHealth status)
    {
        var buffer = new ArrayBufferWriter<byte>();
        HealthAggregation.WriteJson(buffer, status);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void A_small_status_is_written_in_the_reference_shape_with_no_message_for_healthy_checks()
    {
        var status = HealthAggregation.Aggregate(
            Seq(
                ("database", (CheckOutcome)new CheckOutcome.Passed(), TimeSpan.FromMilliseconds(12)),
                ("cache", new CheckOutcome.Failed("connection refused"), TimeSpan.FromTicks(15_000))),
            TimeSpan.FromSeconds(42.9));

        Assert.Equal(
            """{"healthy":false,"checks":{"database":{"healthy":true,"durationMs":12},"cache":{"healthy":false,"message":"connection refused","durationMs":1.5}},"uptime":42}""",
            Json(status));
    }

    [Fact]
    public void No_checks_are_written_as_a_healthy_status_with_an_empty_checks_object()
    {
        var status = HealthAggregation.Aggregate(Seq<(string, CheckOutcome, TimeSpan)>(), TimeSpan.FromSeconds(7));

        Assert.Equal("""{"healthy":true,"checks":{},"uptime":7}""", Json(status));
    }

    [Fact]
    public void A_timed_out_check_is_written_with_its_time_out_message()
    {
        var status = HealthAggregation.Aggregate(
            Seq1(("slow", (CheckOutcome)new CheckOutcome.TimedOut(TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(5))),
            TimeSpan.Zero);

        Assert.Equal(
            """{"healthy":false,"checks":{"slow":{"healthy":false,"message":"timed out after 5 s","durationMs":5000}},"uptime":0}""",
            Json(status));
    }

    [Theory]
    [InlineData("say \"hi\"")]
    [InlineData("C:\\path\\to")]
    [InlineData("line\nbreak\ttab\0nul\u001f")]
    [InlineData("漢字 é 😀")]
    [InlineData("<script>&'</script>")]
    [InlineData("")]
    public void Names_and_messages_with_special_characters_round_trip_exactly(string text)
    {
        var name = "check " + text;
        var status = HealthAggregation.Aggregate(
            Seq1((name, (CheckOutcome)new CheckOutcome.Threw(text), TimeSpan.Zero)),
            TimeSpan.Zero);

        using var document = JsonDocument.Parse(Json(status));
        var check = Assert.Single(document.RootElement.GetProperty("checks").EnumerateObject());
        Assert.Equal(name, check.Name);
        Assert.Equal(text, check.Value.GetProperty("message").GetString());
    }

    [Property(MaxTest = 300)]
    public Property The_json_parses_and_agrees_with_the_status_check_by_check() =>
        Prop.ForAll(
            Arb.From(HealthGenerators.Status),
            status =>
            {
                var json = Json(status);
                using var document = JsonDocument.Parse(json);
                var root = document.RootElement;

                var top = root.EnumerateObject().Select(p => p.Name).SequenceEqual(new[] { "healthy", "checks", "uptime" })
                          && root.GetProperty("healthy").GetBoolean() == status.Healthy
                          && root.GetProperty("uptime").GetInt64() == status.Uptime;

                var checks = root.GetProperty("checks").EnumerateObject().ToList();
                var sameNames = checks.Select(c => c.Name).SequenceEqual(status.Checks.Select(c => c.Name));
                var sameResults = checks.Zip(status.Checks).All(pair =>
                {
                    var (element, (_, result)) = pair;
                    var hasMessage = element.Value.TryGetProperty("message", out var message);
                    return element.Value.GetProperty("healthy").GetBoolean() == result.Healthy
                           && hasMessage == !result.Healthy
                           && (result.Message is { } m ? hasMessage && message.GetString() == m : !hasMessage)
                           && element.Value.GetProperty("durationMs").GetDouble() == Math.Round(result.Duration.TotalMilliseconds, 3);
                });

                return (top && sameNames && sameResults).Label(json);
            });
}
