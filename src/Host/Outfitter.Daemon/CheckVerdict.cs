namespace Outfitter.Daemon;

/// <summary>
/// What a health check says, the way <c>Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult</c> does:
/// <see cref="Healthy"/> or <see cref="Unhealthy"/> with a reason. <c>default</c> is unhealthy ("returned no verdict"),
/// never healthy. Immutable.
/// </summary>
public readonly struct CheckVerdict : IEquatable<CheckVerdict>
{
    private readonly string? _message;
    private readonly bool _healthy;

    private CheckVerdict(bool healthy, string? message)
    {
        _healthy = healthy;
        _message = message;
    }

    /// <summary>The check passed.</summary>
    public static CheckVerdict Healthy => new(true, null);

    /// <summary>The check failed because of <paramref name="reason"/> (shown in the health reply).</summary>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is null or white space.</exception>
    public static CheckVerdict Unhealthy(string reason) =>
        string.IsNullOrWhiteSpace(reason)
            ? throw new ArgumentException("An unhealthy verdict needs a reason.", nameof(reason))
            : new(false, reason);

    /// <summary>Whether the check passed.</summary>
    public bool IsHealthy => _healthy;

    /// <summary>Why it failed; null when healthy.</summary>
    public string? Reason => _healthy ? null : _message ?? "the check returned no verdict";

    /// <inheritdoc />
    public bool Equals(CheckVerdict other) => IsHealthy == other.IsHealthy && Reason == other.Reason;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is CheckVerdict other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(IsHealthy, Reason);

    /// <summary>Whether two verdicts agree.</summary>
    public static bool operator ==(CheckVerdict left, CheckVerdict right) => left.Equals(right);

    /// <summary>Whether two verdicts differ.</summary>
    public static bool operator !=(CheckVerdict left, CheckVerdict right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => IsHealthy ? "Healthy" : $"Unhealthy: {Reason}";
}
