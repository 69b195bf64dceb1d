using System.Globalization;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Outfitter.Daemon.IntegrationTests.Locking;

/// <summary>Many real processes racing for one lock: never two owners.</summary>
public sealed class LockRaceTests(ITestOutputHelper output) : IDisposable
{
    private const int Racers = 16;
    private const int Rounds = 24;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Sixteen_processes_released_at_once_by_a_fifo_gate_elect_exactly_one_owner_per_round()
    {
        var lockPath = _dir.Combine("run", "daemon.lock");
        var gates = _dir.Combine("gates");
        Directory.CreateDirectory(gates);
        for (var round = 0; round < Rounds; round++)
            Fifo.Create(Path.Combine(gates, $"gate-{round}"));

        var racers = Enumerable.Range(0, Racers)
            .Select(_ => ChildProcess.StartDotnet(Artifacts.TestHelperDll, "race", lockPath, gates, Rounds.ToString(CultureInfo.InvariantCulture)))
            .ToList();
        try
        {
            for (var round = 0; round < Rounds; round++)
            {
                // Vary what the racers find: nothing, a dead owner's file, or garbage. Exactly one must win each time.
                Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
                switch (round % 3)
                {
                    case 1: File.WriteAllText(lockPath, $"{int.MaxValue - 1}\n"); break;
                    case 2: File.WriteAllText(lockPath, "garbage\n"); break;
                }

                foreach (var racer in racers)
                    Assert.Equal($"READY {round}", await racer.NextLineAsync());

                string[] results;
                using (await Fifo.OpenGateAsync(Path.Combine(gates, $"gate-{round}"), ChildProcess.DefaultDeadline))
                    results = await Task.WhenAll(racers.Select(r => r.NextLineAsync()));

                var winners = results.Where(r => r.StartsWith($"ACQUIRED {round} ", StringComparison.Ordinal)).ToList();
                Assert.True(winners.Count == 1, $"Round {round}: expected exactly one owner, got {winners.Count}: {string.Join(" | ", results)}");
                var winnerPid = winners[0].Split(' ')[2];
                foreach (var loser in results.Where(r => !r.StartsWith("ACQUIRED", StringComparison.Ordinal)))
                    Assert.True(
                        loser == $"REFUSED {round} AlreadyLocked {winnerPid}" || loser == $"REFUSED {round} AlreadyLocked none",
                        $"Round {round}: unexpected loser report \"{loser}\" (winner {winnerPid}).");
                Assert.StartsWith($"{winnerPid}\n", File.ReadAllText(lockPath), StringComparison.Ordinal);

                foreach (var racer in racers)
                    racer.Send("next");
                foreach (var racer in racers)
                    Assert.Equal($"DONE {round}", await racer.NextLineAsync());
                Assert.False(File.Exists(lockPath), $"Round {round}: the winner's release must remove the file.");
                output.WriteLine($"round {round}: 1 owner (pid {winnerPid}), {Racers - 1} refused");
            }

            foreach (var racer in racers)
                Assert.Equal(0, await racer.WaitForExitAsync());
        }
        finally
        {
            racers.ForEach(r => r.Dispose());
        }
    }

    [Fact]
    public async Task Processes_acquiring_and_releasing_as_fast_as_they_can_never_overlap()
    {
        const int Churners = 6;
        const int Attempts = 3000;
        var lockPath = _dir.Combine("daemon.lock");
        var marker = _dir.Combine("owner.marker");
        var gate = _dir.Combine("gate");
        Fifo.Create(gate);

        var churners = Enumerable.Range(0, Churners)
            .Select(_ => ChildProcess.StartDotnet(Artifacts.TestHelperDll, "churn", lockPath, marker, Attempts.ToString(CultureInfo.InvariantCulture), gate))
            .ToList();
        try
        {
            foreach (var churner in churners)
                Assert.Equal("READY", await churner.NextLineAsync());
            string[] reports;
            using (await Fifo.OpenGateAsync(gate, ChildProcess.DefaultDeadline))
                reports = await Task.WhenAll(churners.Select(c => c.NextLineAsync()));
            var parsed = reports.Select(r => r.Split(' ')).ToList();
            Assert.All(parsed, p => Assert.Equal("CHURN", p[0]));
            var acquired = parsed.Sum(p => int.Parse(p[1], CultureInfo.InvariantCulture));
            var violations = parsed.Sum(p => int.Parse(p[2], CultureInfo.InvariantCulture));
            var errors = parsed.Sum(p => int.Parse(p[3], CultureInfo.InvariantCulture));
            var refused = parsed.Sum(p => int.Parse(p[4], CultureInfo.InvariantCulture));
            output.WriteLine($"{Churners} processes x {Attempts} attempts: {acquired} tenures, {refused} refusals, {violations} overlaps, {errors} errors");

            Assert.Equal(0, violations);
            Assert.Equal(0, errors);

            // The test proves something only if the processes really contended and really took turns.
            Assert.True(refused > 0, "No attempt was ever refused: the processes did not overlap.");
            Assert.True(parsed.Count(p => int.Parse(p[1], CultureInfo.InvariantCulture) > 0) >= 2, "Fewer than two processes ever owned the lock.");
            Assert.False(File.Exists(lockPath));
        }
        finally
        {
            churners.ForEach(c => c.Dispose());
        }
    }
}
