using System.Globalization;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Tool;

/// <summary>
/// The tool's <c>status</c> shows the daemon's live counters (requests, errors, connections) beside uptime, for people and
/// with <c>--json</c>, from a real detached daemon started by the tool: nothing else to set up.
/// </summary>
[Collection(ToolTestBase.Collection)]
public sealed class ToolStatusCountersTests : ToolTestBase
{
    [Fact]
    public async Task Status_shows_how_many_requests_and_errors_the_daemon_answered_and_its_connections()
    {
        var name = NewName("count");
        var pid = await StartAsync(name);

        var before = ExpectExit(0, await Tool.RunAsync("status", "--name", name, "--json")).Json();
        for (var i = 0; i < 3; i++)
            ExpectExit(0, await Tool.RunAsync("ping", "--name", name));
        ExpectExit(1, await Tool.RunAsync("send", """{"type":"no-such-request"}""", "--name", name));
        var after = ExpectExit(0, await Tool.RunAsync("status", "--name", name, "--json")).Json();
        var text = ExpectExit(0, await Tool.RunAsync("status", "--name", name));

        // Each command is one request; the first status is counted by the second, never by itself.
        Assert.Equal(before.GetProperty("requests").GetInt64() + 5, after.GetProperty("requests").GetInt64());
        Assert.Equal(before.GetProperty("errors").GetInt64() + 1, after.GetProperty("errors").GetInt64());
        Assert.True(after.GetProperty("activeConnections").GetInt32() >= 1, after.ToString()); // the status request's own
        Assert.True(after.GetProperty("connectionsAccepted").GetInt64() >= before.GetProperty("connectionsAccepted").GetInt64() + 5, after.ToString());
        Assert.Equal(0, after.GetProperty("protocolErrors").GetInt64());
        Assert.True(after.GetProperty("uptime").GetInt64() >= 0);
        Assert.Equal(pid, after.GetProperty("pid").GetInt32());

        Assert.Equal(after.GetProperty("requests").GetInt64() + 1, long.Parse(Field(text, "requests"), CultureInfo.InvariantCulture));
        Assert.Equal(after.GetProperty("errors").GetInt64(), long.Parse(Field(text, "errors"), CultureInfo.InvariantCulture));
        Assert.Matches("^[0-9]+$", Field(text, "activeConnections"));
        Assert.Matches("^[0-9]+$", Field(text, "inFlight"));
        Assert.Matches("^[0-9]+$", Field(text, "uptime"));

        await StopAsync(name, pid);
    }
}
