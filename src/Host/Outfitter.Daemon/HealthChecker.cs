using LanguageExt;
using LanguageExt.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Health;
using Outfitter.Daemon.Functional;
using Outfitter.Daemon.Telemetry;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon;

/// <summary>
/// Runs health checks in parallel with per-check timeouts and aggregates them with <see cref="HealthAggregation"/>.
/// Uptime and durations come from the injected <see cref="TimeProvider"/>. Thread-safe: registering while a check runs
/// is safe, and the new check is included from the next call.
/// <para>
/// Every run of a check is recorded by the meter <see cref="DaemonTelemetry.MeterName"/> (<see cref="DaemonTelemetry.HealthCheckDuration"/>
/// and <see cref="DaemonTelemetry.HealthChecks"/>, tagged <c>name</c> and <c>status</c>) when a listener is attached, and a
/// check whose status changes is logged (category <see cref="DaemonLogCategories.Health"/>).
/// </para>
/// </summary>
public sealed partial class HealthChecker : IHealthChecker
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _defaultTimeout;
    private readonly long _created;
    private readonly object _registering = new();
    private readonly ILogger _logger;
    private HealthCheck[] _checks = [];
    private HashMap<string, CheckStatus> _statuses;

    /// <summary>Creates a checker with the given clock, default per-check timeout and logger.</summary>
    /// <param name="time">The clock for uptime, durations and timeouts.</param>
    /// <param name="defaultTimeout">The timeout of a check that has none of its own (default 5 s).</param>
    /// <param name="logger">
    /// Where changes of a check's status are logged (and, at Debug, every run); none when null. The daemon's category is
    /// <see cref="DaemonLogCategories.Health"/>: <c>loggerFactory.CreateLogger(DaemonLogCategories.Health)</c>.
    /// </param>
    public HealthChecker(TimeProvider time, TimeSpan? defaultTimeout = null, ILogger? logger = null)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? NullLogger.Instance;
        _defaultTimeout = defaultTimeout ?? HealthAggregation.DefaultCheckTimeout;
        if (_defaultTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(defaultTimeout), defaultTimeout, "The default check timeout must be positive.");
        _created = time.GetTimestamp();
    }

    /// <summary>The reference's <c>createHealthChecker(checks)</c>.</summary>
    /// <param name="checks">The checks to register, in order.</param>
    /// <param name="time">The clock; this machine's when null.</param>
    /// <param name="logger">Where changes of a check's status are logged; none when null.</param>
    /// <exception cref="ArgumentException">Two checks share a name, or one has no name or a non-positive timeout.</exception>
    public static IHealthChecker Create(IEnumerable<HealthCheck>? checks = null, TimeProvider? time = null, ILogger? logger = null)
    {
        var checker = new HealthChecker(time ?? OsPorts.Current.Time, logger: logger);
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
        var health = HealthAggregation.Aggregate(toSeq(finished), _time.GetElapsedTime(_created));
        Report(health);
        return health;
    }

    // After aggregation, so metrics and logs show each check's final status (a throw or time-out as its failure status).
    private void Report(DaemonHealth health)
    {
        foreach (var (name, result) in health.Checks)
            DaemonInstruments.RecordHealthCheck(name, HealthAggregation.WireName(result.Status), result.Duration);
        if (!_logger.IsEnabled(LogLevel.Critical))
            return;
        LogRun(HealthAggregation.WireName(health.Status), health.Checks.Count);
        Seq<(string Name, CheckStatus Was, CheckResult Now)> changed;
        lock (_registering)
        {
            (changed, _statuses) = HealthAggregation.Changes(_statuses, health);
        }

        foreach (var (name, was, now) in changed)
        {
            if (now.Status == CheckStatus.Healthy)
                LogRecovered(name, HealthAggregation.WireName(was));
            else
                LogChanged(now.Status == CheckStatus.Unhealthy ? LogLevel.Warning : LogLevel.Information, name, HealthAggregation.WireName(now.Status), HealthAggregation.WireName(was), now.Message ?? "");
        }
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

    [LoggerMessage(50, LogLevel.Debug, "Health checks run: {Status} ({Count} checks)")]
    private partial void LogRun(string status, int count);

    [LoggerMessage(EventId = 51, Message = "Health check {Name} is {Status} (was {Was}): {Message}")]
    private partial void LogChanged(LogLevel level, string name, string status, string was, string message);

    [LoggerMessage(52, LogLevel.Information, "Health check {Name} is healthy again (was {Was})")]
    private partial void LogRecovered(string name, string was);
}
