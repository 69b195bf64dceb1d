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
            """{"healthy":false,"status":"unhealthy","checks":{"database":{"healthy":true,"status":"healthy","durationMs":12},"cache":{"healthy":false,"status":"unhealthy","message":"connection refused","durationMs":1.5}},"uptime":42}""",
            Json(status));
    }

    [Fact]
    public void No_checks_are_written_as_a_healthy_status_with_an_empty_checks_object()
    {
        var status = HealthAggregation.Aggregate(Seq<(string, CheckOutcome, TimeSpan)>(), TimeSpan.FromSeconds(7));

        Assert.Equal("""{"healthy":true,"status":"healthy","checks":{},"uptime":7}""", Json(status));
    }

    [Fact]
    public void A_timed_out_check_is_written_with_its_time_out_message()
    {
        var status = HealthAggregation.Aggregate(
            Seq1(("slow", (CheckOutcome)new CheckOutcome.TimedOut(TimeSpan.FromSeconds(5)), TimeSpan.FromSeconds(5))),
            TimeSpan.Zero);

        Assert.Equal(
            """{"healthy":false,"status":"unhealthy","checks":{"slow":{"healthy":false,"status":"unhealthy","message":"timed out after 5 s","durationMs":5000}},"uptime":0}""",
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

                var top = root.EnumerateObject().Select(p => p.Name).SequenceEqual(new[] { "healthy", "status", "checks", "uptime" })
                          && root.GetProperty("status").GetString() == HealthAggregation.WireName(status.Status)
                          && root.GetProperty("healthy").GetBoolean() == status.Healthy
                          && root.GetProperty("uptime").GetInt64() == status.Uptime;

                var checks = root.GetProperty("checks").EnumerateObject().ToList();
                var sameNames = checks.Select(c => c.Name).SequenceEqual(status.Checks.Select(c => c.Name));
                var sameResults = checks.Zip(status.Checks).All(pair =>
                {
                    var (element, (_, result)) = pair;
                    var hasMessage = element.Value.TryGetProperty("message", out var message);
                    return element.Value.GetProperty("healthy").GetBoolean() == result.Healthy
                           && element.Value.GetProperty("status").GetString() == HealthAggregation.WireName(result.Status)
                           && (result.Message is { } m ? hasMessage && message.GetString() == m : !hasMessage)
                           && element.Value.GetProperty("durationMs").GetDouble() == Math.Round(result.Duration.TotalMilliseconds, 3);
                });

                return (top && sameNames && sameResults).Label(json);
            });
}

/// <summary>The wire's extra fields (status, tags, data, exception) beside the reference's, for any input.</summary>
public sealed class HealthJsonExtrasTests
{
    private static string Json(DaemonHealth status)
    {
        var buffer = new ArrayBufferWriter<byte>();
        HealthAggregation.WriteJson(buffer, status);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void A_degraded_bridged_check_is_written_healthy_with_status_tags_data_and_exception_beside_the_reference_fields()
    {
        var status = HealthAggregation.Aggregate(
            Seq1(new CheckReport("cache", new CheckOutcome.Degraded("slow"), TimeSpan.FromMilliseconds(2))
            {
                Tags = Seq("ready", "cache"),
                Data = Seq(("latencyMs", (object?)250), ("node", "c1"), ("primary", false), ("ratio", 0.5), ("missing", null), ("since", TimeSpan.FromSeconds(3))),
                ExceptionMessage = "Timeout talking to c1",
            }),
            TimeSpan.FromSeconds(1));

        Assert.Equal(
            """{"healthy":true,"status":"degraded","checks":{"cache":{"healthy":true,"status":"degraded","message":"slow","durationMs":2,"tags":["ready","cache"],"data":{"latencyMs":250,"node":"c1","primary":false,"ratio":0.5,"missing":null,"since":"00:00:03"},"exception":"Timeout talking to c1"}},"uptime":1}""",
            Json(status));
    }

    [Fact]
    public void Odd_data_never_throws_non_finite_numbers_and_unprintable_values_become_strings()
    {
        var status = HealthAggregation.Aggregate(
            Seq1(new CheckReport("odd", new CheckOutcome.Passed(), TimeSpan.Zero)
            {
                Data = Seq(
                    ("nan", (object?)double.NaN),
                    ("inf", float.PositiveInfinity),
                    ("throws", new ReportGenerators.ThrowingToString()),
                    ("null-text", new ReportGenerators.NullToString()),
                    ("lone", new ReportGenerators.LoneSurrogate())),
            }),
            TimeSpan.Zero);

        using var document = JsonDocument.Parse(Json(status));
        var data = document.RootElement.GetProperty("checks").GetProperty("odd").GetProperty("data");
        Assert.Equal("NaN", data.GetProperty("nan").GetString());
        Assert.Equal("Infinity", data.GetProperty("inf").GetString());
        Assert.Contains("ToString() threw InvalidOperationException", data.GetProperty("throws").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, data.GetProperty("null-text").ValueKind);
        Assert.Equal("a\ufffdb\ufffd", data.GetProperty("lone").GetString());
    }

    [Fact]
    public void Unpaired_surrogates_in_names_and_messages_become_replacement_characters_and_pairs_survive()
    {
        var status = HealthAggregation.Aggregate(
            Seq1(new CheckReport("x\udc00😀", new CheckOutcome.Failed("m\ud83d"), TimeSpan.Zero)),
            TimeSpan.Zero);

        using var document = JsonDocument.Parse(Json(status));
        var check = Assert.Single(document.RootElement.GetProperty("checks").EnumerateObject());
        Assert.Equal("x\ufffd😀", check.Name);
        Assert.Equal("m\ufffd", check.Value.GetProperty("message").GetString());
    }

    /// <summary>Any text at all, unpaired surrogates included: what a user's check may put in a name, message, tag or key.</summary>
    private static Gen<string> AnyText =>
        Gen.Frequency(
            (3, HealthGenerators.Text(0, 6)),
            (1, Gen.ArrayOf(Gen.Choose(0, 0xFFFF).Select(c => (char)c)).Select(cs => new string(cs))));

    private static Gen<DaemonHealth> AnyStatus =>
        from reports in ReportGenerators.Reports
        from renamed in Gen.ListOf(AnyText, reports.Count)
        from messages in Gen.ListOf(AnyText, reports.Count)
        from since in HealthGenerators.SinceCreated
        select HealthAggregation.Aggregate(
            toSeq(reports.Zip(renamed, messages).Select((r, i) => r.First with
            {
                Name = r.Second + "#" + i, // unique, as registration guarantees
                Outcome = r.First.Outcome is CheckOutcome.Failed ? new CheckOutcome.Failed(r.Third) : r.First.Outcome,
                Tags = r.First.Tags.Add(r.Third),
            }).ToList()),
            since);

    [Property(MaxTest = 300)]
    public Property The_json_always_parses_keeps_the_reference_fields_and_puts_every_extra_beside_them() =>
        Prop.ForAll(
            Arb.From(AnyStatus),
            status =>
            {
                var json = Json(status);
                using var document = JsonDocument.Parse(json);
                var root = document.RootElement;
                var referenceTop = root.GetProperty("healthy").ValueKind is JsonValueKind.True or JsonValueKind.False
                                   && root.GetProperty("checks").ValueKind == JsonValueKind.Object
                                   && root.GetProperty("uptime").ValueKind == JsonValueKind.Number
                                   && root.GetProperty("healthy").GetBoolean() == (status.Status != CheckStatus.Unhealthy)
                                   && root.GetProperty("status").GetString() == HealthAggregation.WireName(status.Status);
                var checks = root.GetProperty("checks").EnumerateObject().ToList();
                var perCheck = checks.Count == status.Checks.Count && checks.Zip(status.Checks).All(pair =>
                {
                    var (element, (_, result)) = pair;
                    var value = element.Value;
                    var tagsOk = value.TryGetProperty("tags", out var tags)
                        ? tags.EnumerateArray().Count() == result.Tags.Count
                        : result.Tags.Count == 0;
                    var dataOk = value.TryGetProperty("data", out var data)
                        ? data.EnumerateObject().Count() == result.Data.Count && result.Data.All(kv => DataAgrees(kv.Value, data.EnumerateObject().First(p => p.Name == Cleaned(kv.Key)).Value))
                        : result.Data.Count == 0;
                    var exceptionOk = value.TryGetProperty("exception", out _) == result.ExceptionMessage is not null;
                    var messageOk = value.TryGetProperty("message", out _) == result.Message is not null;
                    return value.GetProperty("healthy").GetBoolean() == result.Healthy
                           && value.GetProperty("status").GetString() == HealthAggregation.WireName(result.Status)
                           && value.GetProperty("durationMs").ValueKind == JsonValueKind.Number
                           && tagsOk && dataOk && exceptionOk && messageOk;
                });
                return (referenceTop && perCheck).Label(json);
            });

    // The writer's replacement of unpaired surrogates, as a model: a decode with replacement, re-encoded.
    private static string Cleaned(string text) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text));

    private static bool DataAgrees(object? expected, JsonElement actual) => expected switch
    {
        null => actual.ValueKind == JsonValueKind.Null,
        string s => actual.GetString() == Cleaned(s),
        bool b => actual.ValueKind == (b ? JsonValueKind.True : JsonValueKind.False),
        int or long or short or byte or sbyte or ushort or uint => actual.ValueKind == JsonValueKind.Number && actual.GetInt64() == Convert.ToInt64(expected, System.Globalization.CultureInfo.InvariantCulture),
        ulong u => actual.ValueKind == JsonValueKind.Number && actual.GetUInt64() == u,
        decimal m => actual.ValueKind == JsonValueKind.Number && actual.GetDecimal() == m,
        double d when double.IsFinite(d) => actual.ValueKind == JsonValueKind.Number && actual.GetDouble() == d,
        float f when float.IsFinite(f) => actual.ValueKind == JsonValueKind.Number && actual.GetSingle() == f,
        ReportGenerators.NullToString => actual.ValueKind == JsonValueKind.Null,
        _ => actual.ValueKind == JsonValueKind.String,
    };
}
