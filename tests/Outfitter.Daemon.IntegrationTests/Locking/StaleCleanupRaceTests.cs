using System.Globalization;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Outfitter.Daemon.IntegrationTests.Locking;

/// <summary>
/// The stale-file clean-up of <c>stop</c> racing daemon starts, with real processes: the old clean-up probed, then
/// deleted outside the lock, so a daemon that started in between lost its lock file and a second one could start.
/// Starters retry for the window, and beyond it until they see a daemon holding the lock (a clean-up holds it too,
/// briefly, but a starved machine can preempt it for longer than the window), so a round always gets its daemon.
/// </summary>
public sealed class StaleCleanupRaceTests(ITestOutputHelper output) : IDisposable
{
    private const int Starters = 20;
    private const int Cleaners = 2;
    private const int Rounds = 3;
    private const int WindowMs = 250;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Clean_up_racing_twenty_starts_never_leaves_two_daemons_or_a_daemon_without_its_lock_file()
    {
        var lockPath = _dir.Combine("run", "daemon.lock");
        var gates = _dir.Combine("gates");
        Directory.CreateDirectory(gates);
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        for (var round = 0; round < Rounds; round++)
            Fifo.Create(Path.Combine(gates, $"gate-{round}"));
        string Args(string mode) => $"{mode}|{lockPath}|{gates}|{Rounds.ToString(CultureInfo.InvariantCulture)}|{WindowMs.ToString(CultureInfo.InvariantCulture)}";

        var starters = Enumerable.Range(0, Starters).Select(_ => ChildProcess.StartDotnet(Artifacts.TestHelperDll, Args("start-race").Split('|'))).ToList();
        var cleaners = Enumerable.Range(0, Cleaners).Select(_ => ChildProcess.StartDotnet(Artifacts.TestHelperDll, Args("clean-race").Split('|'))).ToList();
        var everyone = starters.Concat(cleaners).ToList();
        long totalCalls = 0, totalRemoved = 0;
        try
        {
            for (var round = 0; round < Rounds; round++)
            {
                // What a kill -9 leaves behind: a file naming a dead owner, which clean-up may delete and a start reclaims.
                File.WriteAllText(lockPath, $"{int.MaxValue - 1}\n");
                foreach (var process in everyone)
                    Assert.Equal($"READY {round}", await process.NextLineAsync());

                string[] started, cleaned;
                using (await Fifo.OpenGateAsync(Path.Combine(gates, $"gate-{round}"), ChildProcess.DefaultDeadline))
                {
                    var startReports = Task.WhenAll(starters.Select(s => s.NextLineAsync()));
                    var cleanReports = Task.WhenAll(cleaners.Select(c => c.NextLineAsync()));
                    started = await startReports;
                    cleaned = await cleanReports;
                }

                // Every starter and cleaner is done trying; the winner still holds. Exactly one daemon, with its own file.
                var winners = started.Where(r => r.StartsWith($"ACQUIRED {round} ", StringComparison.Ordinal)).ToList();
                Assert.True(winners.Count == 1, $"Round {round}: expected exactly one daemon, got {winners.Count}: {string.Join(" | ", started)}");
                Assert.All(started.Except(winners), r => Assert.Equal($"REFUSED {round}", r));
                var winnerPid = int.Parse(winners[0].Split(' ')[2], CultureInfo.InvariantCulture);
                Assert.True(File.Exists(lockPath), $"Round {round}: the live daemon {winnerPid} lost its lock file.");
                Assert.StartsWith($"{winnerPid}\n", File.ReadAllText(lockPath), StringComparison.Ordinal);
                Assert.True(HoldsLiveFile(winnerPid, lockPath), $"Round {round}: daemon {winnerPid} holds an unlinked lock file; the path names another inode.");

                var parsed = cleaned.Select(c => c.Split(' ')).ToList();
                Assert.All(parsed, p => Assert.Equal("CLEANED", p[0]));
                var calls = parsed.Sum(p => long.Parse(p[2], CultureInfo.InvariantCulture));
                var removed = parsed.Sum(p => long.Parse(p[3], CultureInfo.InvariantCulture));
                totalCalls += calls;
                totalRemoved += removed;
                output.WriteLine($"round {round}: 1 daemon (pid {winnerPid}) with its file; {Starters - 1} refused; clean-up: {calls} calls, {removed} stale files removed");

                foreach (var process in everyone)
                    process.Send("next");
                foreach (var process in everyone)
                    Assert.Equal($"DONE {round}", await process.NextLineAsync());
            }

            // The clean-up really raced the starts (it ran, and hundreds of times), so the rounds above prove something.
            Assert.True(totalCalls >= Rounds * 10, $"The clean-up ran only {totalCalls} times.");
            output.WriteLine($"{Rounds} rounds: 0 with two daemons, 0 with a daemon without its file; {totalCalls} clean-ups, {totalRemoved} removals");
            foreach (var process in everyone)
                Assert.Equal(0, await process.WaitForExitAsync());
        }
        finally
        {
            everyone.ForEach(p => p.Dispose());
        }
    }

    /// <summary>
    /// Whether <paramref name="pid"/> has <paramref name="path"/> open and that open file is what the path names now: an
    /// unlinked file shows as "<c>path (deleted)</c>" in <c>/proc/&lt;pid&gt;/fd</c>, and a replaced one has another inode.
    /// </summary>
    private static bool HoldsLiveFile(int pid, string path)
    {
        var pathInode = Inode(path);
        foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fd"))
        {
            var target = new FileInfo(fd).LinkTarget;
            if (target is not null && target.StartsWith(path, StringComparison.Ordinal))
                return target == path && Inode(fd) == pathInode;
        }

        return false;
    }

    private static string Inode(string path)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-L", "-c", "%d:%i", path]) { RedirectStandardOutput = true })!;
        var text = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return text;
    }
}
