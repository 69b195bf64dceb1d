using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Outfitter.Daemon.Hosting;

/// <summary>
/// Brings the checks registered with <c>services.AddHealthChecks().AddCheck…()</c> into the daemon's
/// <see cref="HealthChecker"/>, beside those added with <c>AddHealthCheck</c>, so both appear in the <c>health</c> reply
/// and drive the systemd watchdog and <c>STATUS=</c>. It reads the registrations
/// (<see cref="HealthCheckServiceOptions.Registrations"/>) rather than calling <see cref="HealthCheckService"/>, so each
/// bridged check runs like one of ours: in parallel, one scope per run, bounded by its registration's timeout (or the
/// checker's 5 s when it has none, so a check that ignores its token cannot hang the reply or the watchdog), with its
/// name checked for uniqueness across both kinds. See docs/adr/0011-health-check-bridge.md.
/// </summary>
internal static class HealthCheckBridge
{
    /// <summary>The daemon's checker: the builder's checks first, then every <c>AddHealthChecks()</c> registration in order.</summary>
    /// <exception cref="InvalidOperationException">Two checks share a name, or one is invalid; the message says which.</exception>
    public static IHealthChecker CreateChecker(IServiceProvider services, IEnumerable<HealthCheck> ownChecks)
    {
        var checker = new HealthChecker(
            services.GetRequiredService<TimeProvider>(),
            logger: services.GetService<ILoggerFactory>()?.CreateLogger(DaemonLogCategories.Health));
        foreach (var check in ownChecks)
        {
            if (checker.Register(check).TryGetError(out var error))
                throw new InvalidOperationException($"Health check registration: {error.Message}");
        }

        var registrations = services.GetService<IOptions<HealthCheckServiceOptions>>()?.Value.Registrations ?? [];
        if (registrations.Count == 0)
            return checker;
        var scopes = services.GetRequiredService<IServiceScopeFactory>();
        foreach (var registration in registrations)
        {
            if (checker.Register(FromRegistration(registration, scopes)).TryGetError(out var error))
                throw new InvalidOperationException($"Health check registration (services.AddHealthChecks()): {error.Message}");
        }

        return checker;
    }

    /// <summary>
    /// One registration as a daemon check: its name, tags, timeout (none → the checker's default) and failure status
    /// (Degraded stays Degraded; anything else reports a throw or time-out as Unhealthy).
    /// </summary>
    public static HealthCheck FromRegistration(HealthCheckRegistration registration, IServiceScopeFactory scopes)
    {
        ArgumentNullException.ThrowIfNull(registration);
        ArgumentNullException.ThrowIfNull(scopes);
        var timeout = registration.Timeout > TimeSpan.Zero ? registration.Timeout : (TimeSpan?)null; // InfiniteTimeSpan is -1 ms
        return new HealthCheck(registration.Name, ct => RunAsync(registration, scopes, ct), timeout)
        {
            Tags = registration.Tags.ToArray(),
            FailureStatus = registration.FailureStatus == HealthStatus.Degraded ? CheckStatus.Degraded : CheckStatus.Unhealthy,
        };
    }

    /// <summary>The daemon's status for a Microsoft one (the same order and numbers); an undefined value is Unhealthy.</summary>
    public static CheckStatus ToStatus(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => CheckStatus.Healthy,
        HealthStatus.Degraded => CheckStatus.Degraded,
        _ => CheckStatus.Unhealthy,
    };

    // As DefaultHealthCheckService does: a fresh scope per run, the check created from it, the registration in the context.
    private static async Task<CheckVerdict> RunAsync(HealthCheckRegistration registration, IServiceScopeFactory scopes, CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var check = registration.Factory(scope.ServiceProvider)
                        ?? throw new InvalidOperationException($"The factory of health check \"{registration.Name}\" returned null.");
            var context = new HealthCheckContext { Registration = registration };
            var result = await check.CheckHealthAsync(context, cancellationToken).ConfigureAwait(false);
            return CheckVerdict.Create(
                ToStatus(result.Status),
                result.Description,
                result.Data?.Select(d => KeyValuePair.Create(d.Key, (object?)d.Value)),
                result.Exception?.Message);
        }
    }
}
