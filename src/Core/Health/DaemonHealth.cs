// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

/// <summary>One check's result, the reference's <c>HealthCheckResult</c> plus how long it took. Immutable.</summary>
/// <param name="Healthy">Whether the check passed.</param>
/// <param name="Message">Why it failed; null when healthy.</param>
/// <param name="Duration">How long it ran (up to its timeout).</param>
public sealed record CheckResult(bool Healthy, string? Message, TimeSpan Duration);

/// <summary>
/// The aggregated status, the reference's <c>HealthStatus</c>: healthy only if every check is; every registered check
/// appears, in registration order; uptime in whole seconds since the checker was created. Immutable.
/// </summary>
/// <param name="Healthy">True only if all checks passed (true when there are none).</param>
/// <param name="Checks">Each check's result, by name, in registration order.</param>
/// <param name="Uptime">Whole seconds since the checker was created.</param>
public sealed record DaemonHealth(bool Healthy, IReadOnlyList<(string Name, CheckResult Result)> Checks, long Uptime)
{
    /// <summary>The result of the check named <paramref name="name"/>; null when no such check is registered.</summary>
    public CheckResult? this[string name]
    {
        get
        {
            foreach (var (checkName, result) in Checks)
            {
                if (checkName == name)
                    return result;
            }

            return null;
        }
    }

    /// <summary>Equal when healthy, uptime and every check (in order) are equal.</summary>
    public bool Equals(DaemonHealth? other) =>
        other is not null && Healthy == other.Healthy && Uptime == other.Uptime && Checks.SequenceEqual(other.Checks);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Healthy, Uptime, Checks.Count);
}

/// <summary>Why a health check could not be registered.</summary>
/// <param name="Message">What is wrong and what to do.</param>
public sealed record HealthCheckError(string Message)
{
    /// <inheritdoc />
    public override string ToString() => Message;
}
