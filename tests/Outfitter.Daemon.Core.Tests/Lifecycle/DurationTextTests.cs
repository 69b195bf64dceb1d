using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Outfitter.Daemon.Core.Lifecycle;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Lifecycle;

/// <summary>Durations as the tool's options take them (<c>--idle-timeout 15m</c>, <c>--timeout 10</c>).</summary>
public sealed class DurationTextTests
{
    private static readonly TimeSpan Year = TimeSpan.FromDays(365);

    private static TimeSpan Parsed(string text) =>
        DurationText.Parse(text, Year).Match(Right: d => d, Left: problem => throw new Xunit.Sdk.XunitException($"\"{text}\": {problem}"));

    private static string Problem(string? text, TimeSpan? max = null) =>
        DurationText.Parse(text, max ?? Year).Match(Right: d => throw new Xunit.Sdk.XunitException($"\"{text}\" parsed as {d}"), Left: problem => problem);

    [Theory]
    [InlineData("15m", 900_000)]
    [InlineData("30s", 30_000)]
    [InlineData("2s", 2_000)]
    [InlineData("500ms", 500)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData(".5s", 500)]
    [InlineData("2d", 172_800_000)]
    [InlineData("10", 10_000)]     // a plain number is seconds, as --timeout has always taken
    [InlineData("0.25", 250)]
    [InlineData("1s500ms", 1_500)]
    public void Durations_with_units_or_plain_seconds_parse(string text, long milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Parsed(text));
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("  ", "empty")]
    [InlineData("soon", "not a duration")]
    [InlineData("5x", "not a duration")]
    [InlineData("5 s", "not a duration")]
    [InlineData(" 5s", "not a duration")]
    [InlineData("5S", "not a duration")]
    [InlineData("1h30", "not a duration")]
    [InlineData("1.", "not a duration")]
    [InlineData("1..5s", "not a duration")]
    [InlineData("+5s", "not a duration")]
    [InlineData("1e3", "not a duration")]
    [InlineData("m", "not a duration")]
    [InlineData("0", "zero")]
    [InlineData("0s", "zero")]
    [InlineData("0.00001ms", "zero")]   // less than half a tick
    [InlineData("-5s", "negative")]
    [InlineData("-1", "negative")]
    [InlineData("-soon", "not a duration")]
    [InlineData("366d", "more than 365d")]
    [InlineData("99999999999999999999h", "more than 365d")]
    [InlineData("999999999999999999999", "not a duration")] // more digits than any duration has
    public void Junk_zero_negative_and_too_long_are_refused_saying_which(string? text, string problem)
    {
        Assert.Equal(problem, Problem(text));
    }

    [Fact]
    public void The_maximum_is_inclusive()
    {
        Assert.Equal(TimeSpan.FromDays(1), DurationText.Parse("24h", TimeSpan.FromDays(1)).Match(d => d, _ => TimeSpan.Zero));
        Assert.Equal("more than 1d", Problem("24h1ms", TimeSpan.FromDays(1)));
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(2_000, "2s")]
    [InlineData(900_000, "15m")]
    [InlineData(5_400_000, "1h30m")]
    [InlineData(90_061_500, "1d1h1m1s500ms")]
    [InlineData(-2_000, "-2s")]
    public void Format_writes_the_same_notation(long milliseconds, string text)
    {
        Assert.Equal(text, DurationText.Format(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [Fact]
    public void Format_handles_sub_millisecond_and_extreme_values()
    {
        Assert.Equal("0.0001ms", DurationText.Format(TimeSpan.FromTicks(1)));
        Assert.StartsWith("-", DurationText.Format(TimeSpan.MinValue), StringComparison.Ordinal);
        Assert.EndsWith("ms", DurationText.Format(TimeSpan.MaxValue), StringComparison.Ordinal);
    }

    [Property]
    public Property Every_positive_duration_up_to_the_maximum_formats_to_text_that_parses_back_to_it() =>
        Prop.ForAll(
            Arb.From(Gen.Frequency(
                (3, Gen.Choose(1, int.MaxValue).Select(t => TimeSpan.FromTicks(t))),
                (3, ArbMap.Default.GeneratorFor<long>().Select(t => TimeSpan.FromTicks(1 + Math.Abs(t % Year.Ticks)))),
                (1, Gen.Elements(TimeSpan.FromTicks(1), Year)))),
            duration =>
            {
                var text = DurationText.Format(duration);
                return DurationText.Parse(text, Year).Match(parsed => parsed == duration, _ => false).Label($"{duration} -> \"{text}\"");
            });
}
