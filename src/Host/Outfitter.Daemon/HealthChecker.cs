using LanguageExt;
using LanguageExt.Common;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Health;
using Outfitter.Daemon.Functional;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon;

/// <summary>
/// Runs health checks in parallel with per-check timeouts and aggregates them with <see cref="HealthAggregation"/>.
/// Uptime and durations come from the injected <see cref="TimeProvider"/>. Thread-safe: registering while a check runs
/// is safe, and the new check is included from the next call.
/// </summary>
public sealed class HealthChecker : IHealthChecker
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _defaultTimeout;
    private readonly long _created;
    private readonly object _registering = new();
    private HealthCheck[] _checks = [];

    /// <summary>Creates a checker with the given clock and default per-check timeout.</summary>
    public HealthChecker(TimeProvider time, TimeSpan? defaultTimeout = null)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _defaultTimeout = defaultTimeout ?? HealthAggregation.DefaultCheckTimeout;
        if (_defaultTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(defaultTimeout), defaultTimeout, "The default check timeout must be positive.");
        _created = time.GetTimestamp();
    }

    /// <summary>The reference's <c>createHealthChecker(checks)</c>.</summary>
    /// <exception cref="ArgumentException">Two checks share a name, or one has no name or a non-positive timeout.</exception>
    public static IHealthChecker Create(IEnumerable<HealthCheck>? checks = null, TimeProvider? time = null)
    {
        var checker = new HealthChecker(time ?? OsPorts.Current.Time);
        foreach (var check in checks ?? [])
        {
            if (checker.Register(check).TryGetError(out var error))
                throw new ArgumentException(error.Message, nameof(checks));
        }

        return checker;
    }

    /// <inheritdoc />
    public IReadOnlyList<string> Names => Volatile.Read(ref _checks).Select(c => c.Name).ToList();

    /// <inheritdoc />
    public Result<Done, HealthCheckError> Register(HealthCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        lock (_registering)
        {
            var current = _checks;
            var valid = HealthAggregation.ValidateRegistration(toSeq(current.Select(c => c.Name)), check.Name, check.Timeout ?? _defaultTimeout);
            if (valid.IsRight)
                Volatile.Write(ref _checks, [.. current, check]); // a new array: a running CheckAsync keeps its snapshot
            return valid.ToResult();
        }
    }

    /// <inheritdoc />
    public async Task<DaemonHealth> CheckAsync(CancellationToken cancellationToken = default)
    {
        var checks = Volatile.Read(ref _checks);
        var running = checks.Select(check => RunAsync(check, cancellationToken)).ToArray();
        var finished = await Task.WhenAll(running).ConfigureAwait(false);
        return HealthAggregation.Aggregate(toSeq(finished), _time.GetElapsedTime(_created));
    }

    private async Task<CheckReport> RunAsync(HealthCheck check, CancellationToken cancellationToken)
    {
        var timeout = check.Timeout ?? _defaultTimeout;
        var started = _time.GetTimestamp();
        using var budget = new CancellationTokenSource(timeout, _time);
        using var linked = cancellationToken.Register(static b => ((CancellationTokenSource)b!).Cancel(), budget);

        // Task.Run: a check that blocks before its first await must not hold up the others.
        var task = Task.Run(() => check.Run(budget.Token), CancellationToken.None);
        CheckOutcome outcome;
        CheckVerdict? verdict = null;
        try
        {
            var returned = await task.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
            verdict = returned;
            outcome = returned.Status switch
            {
                CheckStatus.Healthy => new CheckOutcome.Passed(returned.Reason),
                CheckStatus.Degraded => new CheckOutcome.Degraded(returned.Reason ?? "degraded"),
                _ => new CheckOutcome.Failed(returned.Reason!),
            };
        }
        catch (TimeoutException)
        {
            budget.Cancel();
            Observe(task);
            outcome = new CheckOutcome.TimedOut(timeout);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Observe(task);
            outcome = new CheckOutcome.Failed("the health check run was cancelled");
        }
        catch (Exception e)
        {
            outcome = new CheckOutcome.Threw(e.Message);
        }

        return new CheckReport(check.Name, outcome, _time.GetElapsedTime(started))
        {
            Tags = toSeq(check.Tags),
            Data = verdict is { } v ? toSeq(v.Data.Select(d => (d.Key, d.Value)).ToList()) : Empty,
            ExceptionMessage = verdict?.ExceptionMessage,
            FailureStatus = check.FailureStatus,
        };
    }

    private static void Observe(Task task) =>
        task.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
}
