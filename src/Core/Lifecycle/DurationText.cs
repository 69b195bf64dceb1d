using System.Globalization;
using System.Text;
using LanguageExt;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Lifecycle;

/// <summary>
/// Durations as people type them on a command line: <c>15m</c>, <c>30s</c>, <c>2s</c>, <c>500ms</c>, <c>1h</c>,
/// <c>1h30m</c>, <c>1.5s</c>, <c>2d</c>, or a plain number of seconds (<c>10</c>, <c>0.5</c>). Units: <c>d</c>,
/// <c>h</c>, <c>m</c>, <c>s</c>, <c>ms</c> (lower case), in any order and combination. Pure.
/// </summary>
public static class DurationText
{
    private const int MaxDigits = 20;

    private static readonly (string Unit, long Ticks)[] Units =
    [
        ("ms", TimeSpan.TicksPerMillisecond), // before "m", which it starts with
        ("d", TimeSpan.TicksPerDay),
        ("h", TimeSpan.TicksPerHour),
        ("m", TimeSpan.TicksPerMinute),
        ("s", TimeSpan.TicksPerSecond),
    ];

    /// <summary>
    /// The positive duration <paramref name="text"/> names, at most <paramref name="max"/>; or, on the left, what is wrong
    /// with it, as a phrase to follow the text it is about (<c>"not a duration"</c>, <c>"zero"</c>, <c>"negative"</c>,
    /// <c>"more than 365d"</c>). Fractions round to the nearest tick (100 ns).
    /// </summary>
    public static Either<string, TimeSpan> Parse(string? text, TimeSpan max)
    {
        if (string.IsNullOrWhiteSpace(text))
            return "empty";
        if (text[0] == '-')
            return Parse(text[1..], TimeSpan.MaxValue).Match(Right: _ => "negative", Left: problem => problem);

        decimal ticks;
        if (Number(text, 0, out var plainEnd, out var plainSeconds) && plainEnd == text.Length)
        {
            ticks = plainSeconds * TimeSpan.TicksPerSecond; // a plain number of seconds (at most 20 digits: no overflow)
        }
        else
        {
            ticks = 0m;
            var at = 0;
            while (at < text.Length)
            {
                if (!Number(text, at, out var numberEnd, out var value))
                    return "not a duration";
                var unit = Units.FirstOrDefault(u => string.CompareOrdinal(text, numberEnd, u.Unit, 0, u.Unit.Length) == 0);
                if (unit.Unit is null)
                    return "not a duration";
                if (value > TimeSpan.MaxValue.Ticks / unit.Ticks)
                    return $"more than {Format(max)}";
                ticks += value * unit.Ticks;
                if (ticks > TimeSpan.MaxValue.Ticks)
                    return $"more than {Format(max)}";
                at = numberEnd + unit.Unit.Length;
            }
        }

        var rounded = decimal.Round(ticks, MidpointRounding.AwayFromZero);
        if (rounded > max.Ticks)
            return $"more than {Format(max)}";
        if (rounded <= 0)
            return "zero";
        return TimeSpan.FromTicks((long)rounded);
    }

    /// <summary>
    /// <paramref name="duration"/> in the same notation, exactly (<c>15m</c>, <c>1h30m</c>, <c>1d2h</c>, <c>2s500ms</c>,
    /// <c>0.25ms</c>; <c>0s</c> for zero), so that <see cref="Parse"/> gives it back.
    /// </summary>
    public static string Format(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero)
            return "0s";
        var magnitude = duration.Ticks < 0 ? (ulong)(-(duration.Ticks + 1)) + 1 : (ulong)duration.Ticks;
        var text = new StringBuilder(duration.Ticks < 0 ? "-" : "");
        Append(text, magnitude / TimeSpan.TicksPerDay, "d");
        Append(text, magnitude % TimeSpan.TicksPerDay / TimeSpan.TicksPerHour, "h");
        Append(text, magnitude % TimeSpan.TicksPerHour / TimeSpan.TicksPerMinute, "m");
        Append(text, magnitude % TimeSpan.TicksPerMinute / TimeSpan.TicksPerSecond, "s");
        var subSecond = magnitude % TimeSpan.TicksPerSecond;
        if (subSecond > 0)
        {
            var milliseconds = subSecond / (decimal)TimeSpan.TicksPerMillisecond;
            text.Append(milliseconds.ToString("0.####", CultureInfo.InvariantCulture)).Append("ms");
        }

        return text.ToString();
    }

    private static void Append(StringBuilder text, ulong count, string unit)
    {
        if (count > 0)
            text.Append(count.ToString(CultureInfo.InvariantCulture)).Append(unit);
    }

    /// <summary>Digits with an optional fraction (<c>12</c>, <c>1.5</c>, <c>.5</c>, not <c>1.</c>) at <paramref name="start"/>.</summary>
    private static bool Number(string text, int start, out int end, out decimal value)
    {
        end = start;
        var digits = 0;
        var point = false;
        while (end < text.Length && (char.IsAsciiDigit(text[end]) || (text[end] == '.' && !point)))
        {
            if (text[end] == '.')
                point = true;
            else
                digits++;
            end++;
        }

        value = 0;
        if (digits == 0 || digits > MaxDigits || text[end - 1] == '.')
            return false;
        return decimal.TryParse(text.AsSpan(start, end - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
    }
}
