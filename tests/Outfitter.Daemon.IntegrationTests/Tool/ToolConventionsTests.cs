using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Tool;

/// <summary>
/// The command-line conventions users bring from other tools, through the real tool process: --version, --opt=value
/// and --opt value, short aliases, options before or after the command, suggestions for mistyped words, and errors as
/// JSON with --json.
/// </summary>
[Collection(ToolTestBase.Collection)]
public sealed class ToolConventionsTests : ToolTestBase
{
    [Fact]
    public async Task Version_and_dash_dash_version_print_the_same_version_and_exit_0()
    {
        var results = await Task.WhenAll(Tool.RunAsync("--version"), Tool.RunAsync("version"), Tool.RunAsync("version", "--json"));

        var version = ExpectExit(0, results[0]).Stdout.Trim();
        Assert.Matches(@"^\d+\.\d+\.\d+", version);
        Assert.Equal(version, ExpectExit(0, results[1]).Stdout.Trim());
        Assert.Equal(version, ExpectExit(0, results[2]).Json().GetProperty("version").GetString());
    }

    [Theory]
    [InlineData("paths", "--name", "{0}", "--json")]
    [InlineData("paths", "--name={0}", "--json")]
    [InlineData("paths", "-n", "{0}", "--json")]
    [InlineData("--name", "{0}", "paths", "--json")]
    [InlineData("--json", "-n", "{0}", "paths")]
    [InlineData("--name={0}", "--json", "paths")]
    public async Task A_name_given_in_any_accepted_form_and_place_names_the_daemon(params string[] template)
    {
        var name = NewName("conv");
        var args = template.Select(a => string.Format(System.Globalization.CultureInfo.InvariantCulture, a, name)).ToArray();

        var paths = ExpectExit(0, await Tool.RunAsync(args)).Json();

        Assert.Equal(name, paths.GetProperty("name").GetString());
        Assert.Equal(SocketPath(name), paths.GetProperty("socket").GetString());
    }

    [Fact]
    public async Task Short_aliases_and_equals_forms_reach_the_command()
    {
        var name = NewName("alias");

        // -t with a bad value is rejected by the command's own check, so the value did reach it; -s=… likewise.
        var timeout = ExpectExit(64, await Tool.RunAsync("ping", "-n", name, "-t", "soon"));
        Assert.Contains("--timeout takes a number of seconds", timeout.Stderr, StringComparison.Ordinal);
        var equals = ExpectExit(64, await Tool.RunAsync("ping", $"--name={name}", "--timeout=soon"));
        Assert.Contains("(got \"soon\")", equals.Stderr, StringComparison.Ordinal);

        // A daemon that is not there: -t 1 is accepted, and the answer is "not running" (2), not a usage error.
        ExpectExit(2, await Tool.RunAsync("-t", "1", "ping", "-n", name));
    }

    [Theory]
    [InlineData("stauts", "\"status\"")]
    [InlineData("stpo", "\"stop\"")]
    [InlineData("helth", "\"health\"")]
    public async Task A_mistyped_command_gets_a_suggestion(string typed, string suggested)
    {
        var result = ExpectExit(64, await Tool.RunAsync(typed));

        Assert.Contains($"Unknown command \"{typed}\"", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"Did you mean {suggested}", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mistyped_option_gets_a_suggestion_from_the_options_of_its_command()
    {
        var stop = ExpectExit(64, await Tool.RunAsync("stop", "--forse"));
        Assert.Contains("Unknown option --forse for stop. Did you mean --force?", stop.Stderr, StringComparison.Ordinal);

        // --force belongs to stop, not to status: no suggestion of it there.
        var status = ExpectExit(64, await Tool.RunAsync("status", "--forse"));
        Assert.DoesNotContain("--force", status.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stauts", "--json")]
    [InlineData("--json", "status", "--nmae", "x")]
    [InlineData("status", "--name", "--json")]
    [InlineData("demo", "--json", "--timeout", "3")]
    [InlineData("--json")]
    public async Task With_json_a_parse_error_is_a_json_object_on_stdout_as_well(params string[] args)
    {
        var result = ExpectExit(64, await Tool.RunAsync(args));

        var json = result.Json();
        Assert.False(json.GetProperty("ok").GetBoolean());
        Assert.Equal(64, json.GetProperty("exitCode").GetInt32());
        Assert.Contains(json.GetProperty("error").GetString()!, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_json_error_for_a_mistyped_word_lists_the_suggestions()
    {
        var json = ExpectExit(64, await Tool.RunAsync("status", "--nmae", "x", "--json")).Json();

        Assert.Equal(new[] { "--name" }, json.GetProperty("suggestions").EnumerateArray().Select(s => s.GetString() ?? "").ToArray());
    }

    [Theory]
    [InlineData("demo", "--timeout", "3")]
    [InlineData("paths", "-t", "3")]
    [InlineData("run", "--json")]
    public async Task An_option_a_command_does_not_take_is_refused_by_name(string command, string option, params string[] rest)
    {
        var result = ExpectExit(64, await Tool.RunAsync([command, option, .. rest]));

        var canonical = option == "-t" ? "--timeout" : option;
        Assert.Contains($"{command} does not take {canonical}.", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(Tool.ProcessesInThisRuntimeDir());
    }
}
