using BenchmarkDotNet.Attributes;
using LanguageExt;
using LanguageExt.Common;
using Outfitter.Daemon;
using static LanguageExt.Prelude;

/// <summary>Health checks run in parallel: 100 checks of 10 ms each should take about 10 ms, not 1 s.</summary>
public class HealthBenchmarks
{
    private IHealthChecker _checker = HealthChecker.Create();

    [GlobalSetup]
    public void Setup() =>
        _checker = HealthChecker.Create(Enumerable.Range(0, 100).Select(i => new HealthCheck($"check-{i}", async ct =>
        {
            await Task.Delay(10, ct);
            return CheckVerdict.Healthy;
        })));

    /// <summary>One run of 100 × 10 ms checks.</summary>
    [Benchmark]
    public async Task<bool> HundredChecksOf10Ms() => (await _checker.CheckAsync()).Healthy;
}
