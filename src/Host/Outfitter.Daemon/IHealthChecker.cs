using Outfitter.Daemon.Core.Health;

namespace Outfitter.Daemon;

/// <summary>The reference's <c>HealthChecker</c>: runs every registered check in parallel and aggregates.</summary>
public interface IHealthChecker
{
    /// <summary>
    /// Runs all checks in parallel, each within its timeout, and aggregates: healthy only if every check is. Never throws
    /// for a failing check and never hangs on one.
    /// </summary>
    Task<DaemonHealth> CheckAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds a check, included from the next <see cref="CheckAsync"/>; a duplicate or empty name is rejected.</summary>
    Result<Done, HealthCheckError> Register(HealthCheck check);

    /// <summary>The registered check names, in order.</summary>
    IReadOnlyList<string> Names { get; }
}
