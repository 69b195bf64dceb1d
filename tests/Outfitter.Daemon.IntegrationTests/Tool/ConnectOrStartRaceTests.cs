using System.Globalization;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Outfitter.Daemon.IntegrationTests.Tool;

/// <summary>
/// Many clients that find the daemon or start it, all at the same instant (the watchman / eslint_d pattern): exactly one
/// daemon is started and every client ends up talking to it.
/// </summary>
[Collection(ToolTestBase.Collection)]
public sealed class ConnectOrStartRaceTests(ITestOutputHelper output) : ToolTestBase
{
    private const int Clients = 16;
    private const int Rounds = 3;

    [Fact]
    public async Task Sixteen_clients_released_at_once_start_exactly_one_daemon_and_all_connect_to_it()
    {
        for (var round = 0; round < Rounds; round++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var name = NewName($"race{round}");
            var gate = Path.Combine(Tool.RuntimeDir, $"gate-{round}");
            Fifo.Create(gate);

            var clients = Enumerable.Range(0, Clients)
                .Select(_ => Tool.StartDotnet(Artifacts.TestHelperDll, "connect-or-start", name, gate, Artifacts.ToolDll))
                .ToList();
            try
            {
                foreach (var client in clients)
                    Assert.Equal("READY", await client.NextLineAsync());

                var ready = watch.Elapsed;

                // Held open until every client has reported, so a client that reaches the gate late still passes it.
                string[] reports;
                using (await Fifo.OpenGateAsync(gate, ChildProcess.DefaultDeadline))
                    reports = await Task.WhenAll(clients.Select(c => c.NextLineAsync()));
                var connected = watch.Elapsed - ready;
                var summary = string.Join(" | ", reports);

                Assert.All(reports, r => Assert.StartsWith("CONNECTED ", r, StringComparison.Ordinal));
                var parsed = reports.Select(r => r.Split(' ')).ToList();
                var pids = parsed.Select(p => int.Parse(p[1], CultureInfo.InvariantCulture)).Distinct().ToList();
                Assert.True(pids.Count == 1, $"Round {round}: clients talk to {pids.Count} daemons: {summary}");
                var pid = pids[0];
                Assert.True(parsed.Count(p => p[2] == "true") == 1, $"Round {round}: expected exactly one client to start the daemon: {summary}");
                Assert.All(parsed, p => Assert.Contains(p[2], new[] { "true", "false" }));

                Assert.Equal(new[] { pid }, RunningDaemons(name));
                var log = File.ReadAllLines(Path.Combine(Tool.DaemonDir(name), "daemon.log"));
                Assert.True(
                    log.Count(l => l.StartsWith("READY ", StringComparison.Ordinal)) == 1 && !log.Any(l => l.Contains("already running", StringComparison.Ordinal)),
                    $"Round {round}: the daemon log shows more than one daemon launched:\n{string.Join("\n", log)}");

                foreach (var client in clients)
                    Assert.Equal(0, await client.WaitForExitAsync());
                await StopAsync(name, pid);
                Assert.Empty(RunningDaemons(name));
                output.WriteLine($"round {round}: {Clients} clients connected to PID {pid}, 1 started it (ready after {ready.TotalMilliseconds:0} ms, all connected {connected.TotalMilliseconds:0} ms after the gate opened, round {watch.Elapsed.TotalMilliseconds:0} ms)");
            }
            finally
            {
                clients.ForEach(c => c.Dispose());
            }
        }
    }
}
