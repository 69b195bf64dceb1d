using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Outfitter.Daemon.Core.Locking;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Locking;

public sealed class LockFileContentTests
{
    private static LockFileContent Owned(int pid, Option<ulong> startTime = default) =>
        new LockFileContent.Owned(new ProcessIdentity(pid, startTime));

    // Parse: examples

    [Fact]
    public void A_missing_file_parses_as_missing()
    {
        Assert.IsType<LockFileContent.Missing>(LockFileContent.Parse(None));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \n")]
    [InlineData("\n\n")]
    [InlineData(" \t\r\n ")]
    public void An_empty_or_blank_file_parses_as_empty(string text)
    {
        Assert.IsType<LockFileContent.Empty>(LockFileContent.Parse(Some(text)));
    }

    [Theory]
    [InlineData("123\n")]
    [InlineData("123")]
    [InlineData("  123  \n")]
    [InlineData("\n123\n")]
    [InlineData("123\r\n")]
    [InlineData("0000000123")]
    public void A_bare_pid_in_the_reference_format_parses_as_owned_without_start_time(string text)
    {
        Assert.Equal(Owned(123), LockFileContent.Parse(Some(text)));
    }

    [Theory]
    [InlineData("123\n456\n")]
    [InlineData("123\n456")]
    [InlineData("123\r\n456\r\n")]
    [InlineData(" 123 \n 456 \n")]
    public void A_pid_and_a_start_time_parse_as_owned_with_start_time(string text)
    {
        Assert.Equal(Owned(123, Some(456UL)), LockFileContent.Parse(Some(text)));
    }

    [Fact]
    public void The_largest_start_time_token_is_read()
    {
        Assert.Equal(Owned(7, Some(ulong.MaxValue)), LockFileContent.Parse(Some($"7\n{ulong.MaxValue}\n")));
    }

    [Fact]
    public void The_largest_pid_is_read()
    {
        Assert.Equal(Owned(int.MaxValue), LockFileContent.Parse(Some($"{int.MaxValue}\n")));
    }

    [Theory]
    [InlineData("123\nabc\n")]
    [InlineData("123\n-1\n")]
    [InlineData("123\n4.5\n")]
    [InlineData("123\n18446744073709551616\n")]
    [InlineData("123\n\n456\n")]
    public void An_unreadable_second_line_leaves_the_start_time_unknown(string text)
    {
        Assert.Equal(Owned(123), LockFileContent.Parse(Some(text)));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("+5")]
    [InlineData("12abc")]
    [InlineData("12 34")]
    [InlineData("1.5")]
    [InlineData("0x1F")]
    [InlineData("99999999999")]
    [InlineData("2147483648")]
    [InlineData("\u0661\u0662\u0663")]
    [InlineData("abc\n123\n")]
    public void A_first_line_that_is_not_a_positive_pid_is_invalid_and_the_reason_quotes_it(string text)
    {
        var invalid = Assert.IsType<LockFileContent.Invalid>(LockFileContent.Parse(Some(text)));

        var firstLine = text.Trim().Split('\n')[0].Trim();
        Assert.Contains($"\"{firstLine}\"", invalid.Reason, StringComparison.Ordinal);
        Assert.Contains("not a positive process id", invalid.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_invalid_first_line_is_shortened_in_the_reason()
    {
        var invalid = Assert.IsType<LockFileContent.Invalid>(LockFileContent.Parse(Some(new string('x', 1000))));

        Assert.True(invalid.Reason.Length < 100, $"reason is {invalid.Reason.Length} characters long");
    }

    [Fact]
    public void Text_of_exactly_max_bytes_is_still_parsed()
    {
        var text = "123\n".PadRight(LockFileContent.MaxBytes, ' ');

        Assert.Equal(Owned(123), LockFileContent.Parse(Some(text)));
    }

    [Fact]
    public void Text_longer_than_max_bytes_is_invalid_even_if_it_starts_with_a_pid()
    {
        var text = "123\n".PadRight(LockFileContent.MaxBytes + 1, ' ');

        var invalid = Assert.IsType<LockFileContent.Invalid>(LockFileContent.Parse(Some(text)));
        Assert.Contains(LockFileContent.MaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), invalid.Reason, StringComparison.Ordinal);
    }

    // Format: examples

    [Fact]
    public void Format_without_start_time_writes_the_reference_format()
    {
        Assert.Equal("123\n", LockFileContent.Format(new ProcessIdentity(123, None)));
    }

    [Fact]
    public void Format_with_start_time_writes_it_on_a_second_line()
    {
        Assert.Equal("123\n456\n", LockFileContent.Format(new ProcessIdentity(123, Some(456UL))));
    }

    // Pid accessor

    [Fact]
    public void Only_owned_content_names_a_pid()
    {
        Assert.Equal(Some(42), Owned(42, Some(1UL)).Pid);
        Assert.True(new LockFileContent.Missing().Pid.IsNone);
        Assert.True(new LockFileContent.Empty().Pid.IsNone);
        Assert.True(new LockFileContent.Invalid("x").Pid.IsNone);
    }

    // Properties

    [Property]
    public Property Parsing_what_we_format_gives_back_the_owner() =>
        Prop.ForAll(
            Arb.From(
                from pid in Generators.AnyPositivePid
                from start in Generators.OptionOf(Generators.AnyStartTime)
                select new ProcessIdentity(pid, start)),
            owner => LockFileContent.Parse(Some(LockFileContent.Format(owner))) == new LockFileContent.Owned(owner));

    [Property]
    public Property The_reference_reader_gets_our_pid_from_what_we_format() =>
        Prop.ForAll(
            Arb.From(
                from pid in Generators.AnyPositivePid
                from start in Generators.OptionOf(Generators.AnyStartTime)
                select new ProcessIdentity(pid, start)),
            owner => JavaScriptParseInt(LockFileContent.Format(owner)) == owner.Pid);

    [Property]
    public Property Parse_never_throws_on_arbitrary_text() =>
        Prop.ForAll(
            ArbMap.Default.ArbFor<string>().Filter(s => s is not null),
            text => LockFileContent.Parse(Some(text)) is LockFileContent.Empty or LockFileContent.Owned or LockFileContent.Invalid);

    [Property]
    public Property Parse_never_throws_on_lock_like_text() =>
        Prop.ForAll(
            Arb.From(LockLikeText),
            text => LockFileContent.Parse(Some(text)) switch
            {
                LockFileContent.Owned owned => owned.Owner.Pid > 0,
                LockFileContent.Empty => text.Trim().Length == 0,
                LockFileContent.Invalid invalid => invalid.Reason.Length > 0,
                _ => false,
            });

    [Property]
    public Property Whenever_we_read_an_owner_the_reference_reader_reads_the_same_pid() =>
        Prop.ForAll(
            Arb.From(LockLikeText),
            text => LockFileContent.Parse(Some(text)) is not LockFileContent.Owned owned
                    || JavaScriptParseInt(text) == owned.Owner.Pid);

    private static Gen<string> LockLikeText =>
        Gen.Choose(0, 24)
            .SelectMany(n => Gen.ArrayOf(Gen.Elements("0123456789 \n\r\t-+ax".ToCharArray()), n))
            .Select(chars => new string(chars));

    /// <summary>
    /// What the TypeScript reference reads: <c>parseInt(content.trim(), 10)</c>, that is, the leading decimal digits of the
    /// trimmed text (an optional sign is never written by us); null where JavaScript would give NaN.
    /// </summary>
    private static long? JavaScriptParseInt(string content)
    {
        var digits = new string(content.Trim().TakeWhile(char.IsAsciiDigit).ToArray());
        return digits.Length == 0 || digits.Length > 18 ? null : long.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
    }
}
