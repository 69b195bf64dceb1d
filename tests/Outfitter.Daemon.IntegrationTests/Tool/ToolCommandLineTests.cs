using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Tool;

/// <summary>What the tool does with bad and helpful command lines: exit 64 with a message, or usage with exit 0.</summary>
[Collection(ToolTestBase.Collection)]
public sealed class ToolCommandLineTests : ToolTestBase
{
    [Theory]
    [InlineData("run")]
    [InlineData("start")]
    [InlineData("stop")]
    [InlineData("status")]
    [InlineData("health")]
    [InlineData("ping")]
    [InlineData("send")]
    [InlineData("demo")]
    public async Task Help_for_a_command_exits_0_and_documents_its_exit_codes(string command)
    {
        var help = ExpectExit(0, await Tool.RunAsync(command, "--help"));
        Assert.StartsWith($"outfitter-daemon {command}", help.Stdout.TrimStart(), StringComparison.Ordinal);
        Assert.Contains("Exit", help.Stdout, StringComparison.Ordinal);
        Assert.Equal("", help.Stderr);
    }

    [Fact]
    public async Task Help_for_paths_exits_0_and_shows_its_usage()
    {
        // Its usage text documents no exit codes (no "Exit" line, unlike every other command); reported, not asserted here.
        var help = ExpectExit(0, await Tool.RunAsync("paths", "--help"));
        Assert.StartsWith("outfitter-daemon paths", help.Stdout.TrimStart(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_and_short_help_exit_0_with_the_overview_and_no_arguments_is_a_usage_error()
    {
        var results = await Task.WhenAll(Tool.RunAsync("--help"), Tool.RunAsync("-h"), Tool.RunAsync("help", "stop"), Tool.RunAsync());
        foreach (var overview in results[..2])
        {
            ExpectExit(0, overview);
            Assert.Contains("Exit codes:", overview.Stdout, StringComparison.Ordinal);
            Assert.Contains("Commands:", overview.Stdout, StringComparison.Ordinal);
        }

        Assert.StartsWith("outfitter-daemon stop", ExpectExit(0, results[2]).Stdout.TrimStart(), StringComparison.Ordinal);
        Assert.Contains("Exit codes:", ExpectExit(64, results[3]).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_with_a_payload_that_is_not_json_exits_64_without_needing_a_daemon()
    {
        var name = NewName("bad");
        var human = ExpectExit(64, await Tool.RunAsync("send", "{\"type\":", "--name", name));
        Assert.Contains("The payload is not JSON", human.Stderr, StringComparison.Ordinal);

        var json = ExpectExit(64, await Tool.RunAsync("send", "not json", "--name", name, "--json")).Json();
        Assert.False(json.GetProperty("ok").GetBoolean());
        Assert.Equal(64, json.GetProperty("exitCode").GetInt32());

        var missing = ExpectExit(64, await Tool.RunAsync("send", "--name", name));
        Assert.Contains("send takes one JSON payload", missing.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Unknown command \"frobnicate\"", "frobnicate")]
    [InlineData("Unknown option --bogus", "status", "--bogus")]
    [InlineData("--name needs a value", "status", "--name")]
    [InlineData("--timeout takes a number of seconds", "start", "--name", "x", "--timeout", "soon")]
    [InlineData("Unexpected argument \"extra\"", "status", "extra")]
    [InlineData("Invalid tool name \"..\"", "status", "--name", "..")]
    public async Task A_bad_command_line_exits_64_with_a_message_on_stderr(string message, params string[] args)
    {
        var result = ExpectExit(64, await Tool.RunAsync(args));
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
        Assert.Empty(Tool.ProcessesInThisRuntimeDir());
    }
}
