using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Outfitter.Daemon.Core.Paths;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Paths;

public sealed class ToolNameTests
{
    [Theory]
    [InlineData("waymark")]
    [InlineData("my-service")]
    [InlineData("a")]
    [InlineData("...")]
    [InlineData("v1.2_beta")]
    [InlineData("outil-été")]
    public void Parse_accepts_an_ordinary_name_and_keeps_it_unchanged(string candidate)
    {
        var name = Accepted(ToolName.Parse(candidate));

        Assert.Equal(candidate, name.Value);
        Assert.Equal(candidate, name.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("   ")]
    [InlineData("\t")]
    [InlineData(" \n ")]
    public void Parse_rejects_a_missing_empty_or_blank_name_as_empty(string? candidate)
    {
        var error = Rejected(ToolName.Parse(candidate));

        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    public void Parse_rejects_dot_names_because_they_point_outside_the_runtime_directory(string candidate)
    {
        var error = Rejected(ToolName.Parse(candidate));

        Assert.Contains("outside the runtime directory", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a/b", '/')]
    [InlineData("/abs", '/')]
    [InlineData("../escape", '/')]
    [InlineData("trailing/", '/')]
    [InlineData(@"a\b", '\\')]
    [InlineData(@"..\escape", '\\')]
    public void Parse_rejects_a_name_with_a_path_separator_and_names_the_separator(string candidate, char separator)
    {
        var error = Rejected(ToolName.Parse(candidate));

        Assert.Contains($"path separator '{separator}'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\0")]
    [InlineData("tool\0")]
    [InlineData("to\0ol")]
    public void Parse_rejects_a_name_with_a_nul_character_and_shows_it_escaped(string candidate)
    {
        var error = Rejected(ToolName.Parse(candidate));

        Assert.Contains("NUL character", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\0", error.Message, StringComparison.Ordinal);
        Assert.Contains("\\0", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a\u0001b", "U+0001")]
    [InlineData("a\tb", "U+0009")]
    [InlineData("tool\n", "U+000A")]
    [InlineData("a\u001fb", "U+001F")]
    [InlineData("a\u007fb", "U+007F")]
    [InlineData("a\u0085b", "U+0085")]
    public void Parse_rejects_a_name_with_a_control_character_and_names_its_code_point(string candidate, string codePoint)
    {
        var error = Rejected(ToolName.Parse(candidate));

        Assert.Contains($"control character {codePoint}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a:b", ':')]
    [InlineData("a*", '*')]
    [InlineData("what?", '?')]
    [InlineData("say\"hi\"", '"')]
    [InlineData("<x>", '<')]
    [InlineData("x>", '>')]
    [InlineData("a|b", '|')]
    public void Parse_rejects_characters_windows_reserves_so_names_are_portable(string candidate, char reserved)
    {
        var error = Rejected(ToolName.Parse(candidate));

        Assert.Contains($"'{reserved}', which Windows does not allow", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_accepts_a_name_of_exactly_the_maximum_length()
    {
        var candidate = new string('x', ToolName.MaxLength);

        Assert.Equal(100, ToolName.MaxLength);
        Assert.Equal(candidate, Accepted(ToolName.Parse(candidate)).Value);
    }

    [Fact]
    public void Parse_rejects_a_name_one_character_over_the_limit_and_states_length_and_limit()
    {
        var candidate = new string('x', ToolName.MaxLength + 1);

        var error = Rejected(ToolName.Parse(candidate));

        Assert.Contains("101 characters long", error.Message, StringComparison.Ordinal);
        Assert.Contains("the limit is 100", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_shortens_an_overlong_name_in_the_message()
    {
        var candidate = new string('x', 5000);

        var error = Rejected(ToolName.Parse(candidate));

        Assert.True(error.Message.Length < 200, $"message is {error.Message.Length} characters long");
    }

    [Fact]
    public void Parse_error_message_quotes_the_rejected_name()
    {
        var error = Rejected(ToolName.Parse("a/b"));

        Assert.StartsWith("Invalid tool name \"a/b\"", error.Message, StringComparison.Ordinal);
        Assert.Equal(error.Message, error.ToString());
    }

    [Fact]
    public void Two_names_parsed_from_the_same_text_are_equal()
    {
        Assert.Equal(Accepted(ToolName.Parse("waymark")), Accepted(ToolName.Parse("waymark")));
        Assert.NotEqual(Accepted(ToolName.Parse("waymark")), Accepted(ToolName.Parse("Waymark")));
    }

    [Property]
    public Property Parse_accepts_exactly_the_names_the_rules_allow() =>
        Prop.ForAll(
            Arb.From(Generators.ToolNameCandidate),
            candidate => ToolName.Parse(candidate).Match(
                Right: name => name.Value == candidate && AllowedByRules(candidate),
                Left: error => error.Code == PathErrorCode.InvalidToolName && !AllowedByRules(candidate)));

    [Fact]
    public void Candidate_generator_produces_both_accepted_and_rejected_names()
    {
        // Guards the property above against becoming vacuous if the generator drifts to one side.
        var sample = Generators.ToolNameCandidate.Sample(500);

        Assert.Contains(sample, AllowedByRules);
        Assert.Contains(sample, c => !AllowedByRules(c));
    }

    [Property]
    public Property Any_accepted_name_has_no_separator_or_control_character_and_a_bounded_length() =>
        Prop.ForAll(
            ArbMap.Default.ArbFor<string>(),
            candidate => ToolName.Parse(candidate).Match(
                Right: name =>
                    name.Value.Length is >= 1 and <= ToolName.MaxLength
                    && name.Value is not ("." or "..")
                    && !name.Value.Any(c => c is '/' or '\\' or ':' or '*' or '?' or '"' or '<' or '>' or '|' || char.IsControl(c)),
                Left: error => error.Code == PathErrorCode.InvalidToolName));

    // The specification written out independently of the implementation: the oracle for the property above.
    private static bool AllowedByRules(string? candidate) =>
        !string.IsNullOrWhiteSpace(candidate)
        && candidate is not ("." or "..")
        && candidate.Length <= 100
        && !candidate.Any(c => c is '/' or '\\' or ':' or '*' or '?' or '"' or '<' or '>' or '|' || char.IsControl(c));

    private static ToolName Accepted(Either<PathError, ToolName> parsed) =>
        parsed.Match(Right: name => name, Left: error => throw new Xunit.Sdk.XunitException($"Expected the name to be accepted, got: {error.Message}"));

    private static PathError Rejected(Either<PathError, ToolName> parsed)
    {
        var error = parsed.Match(Right: name => throw new Xunit.Sdk.XunitException($"Expected a rejection, got the name \"{name.Value}\""), Left: e => e);
        Assert.Equal(PathErrorCode.InvalidToolName, error.Code);
        return error;
    }
}
