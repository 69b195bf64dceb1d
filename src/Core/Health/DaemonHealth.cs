// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

/// <summary>
/// One check's result, the reference's <c>HealthCheckResult</c> plus its <see cref="Status"/>, how long it took, its
/// tags, data and exception message. <see cref="Healthy"/> is true for <see cref="CheckStatus.Healthy"/> and
/// <see cref="CheckStatus.Degraded"/> (the wire's <c>healthy</c>); only <see cref="CheckStatus.Unhealthy"/> is false.
/// Immutable; equal when every member is (tags and data compared item by item).
/// </summary>
public sealed record CheckResult
{
    private static readonly IReadOnlyDictionary<string, object?> NoData = new Dictionary<string, object?>();

    /// <summary>A result from whether the check passed: <see cref="CheckStatus.Healthy"/> or <see cref="CheckStatus.Unhealthy"/>.</summary>
    /// <param name="Healthy">Whether the check passed.</param>
    /// <param name="Message">Why it failed; null when healthy.</param>
    /// <param name="Duration">How long it ran (up to its timeout).</param>
    public CheckResult(bool Healthy, string? Message, TimeSpan Duration)
        : this(Healthy ? CheckStatus.Healthy : CheckStatus.Unhealthy, Message, Duration)
    {
    }

    /// <summary>A result with a status and, optionally, tags, data and the message of the exception the check reported.</summary>
    /// <param name="status">How the check stands.</param>
    /// <param name="message">What it said (why it failed or is degraded); null for nothing.</param>
    /// <param name="duration">How long it ran (up to its timeout).</param>
    /// <param name="tags">Its tags; null for none. Copied.</param>
    /// <param name="data">The data it reported; null for none. Copied, in its enumeration order.</param>
    /// <param name="exceptionMessage">The message of the exception it threw or reported; null for none.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="status"/> is not a defined <see cref="CheckStatus"/>.</exception>
    public CheckResult(
        CheckStatus status,
        string? message,
        TimeSpan duration,
        IEnumerable<string>? tags = null,
        IEnumerable<KeyValuePair<string, object?>>? data = null,
        string? exceptionMessage = null)
    {
        if (status is not (CheckStatus.Unhealthy or CheckStatus.Degraded or CheckStatus.Healthy))
            throw new ArgumentOutOfRangeException(nameof(status), status, "A check status is Unhealthy, Degraded or Healthy.");
        Status = status;
        Message = message;
        Duration = duration;
        Tags = tags is null ? [] : tags.ToArray();
        Data = data is null ? NoData : Copy(data);
        ExceptionMessage = exceptionMessage;
    }

    /// <summary>How the check stands.</summary>
    public CheckStatus Status { get; }

    /// <summary>Whether the check passed: true for <see cref="CheckStatus.Healthy"/> and <see cref="CheckStatus.Degraded"/>.</summary>
    public bool Healthy => Status != CheckStatus.Unhealthy;

    /// <summary>What the check said: why it failed or is degraded; null when it said nothing (always for our own healthy checks).</summary>
    public string? Message { get; }

    /// <summary>How long it ran (up to its timeout).</summary>
    public TimeSpan Duration { get; }

    /// <summary>Its tags, in registration order; empty for none.</summary>
    public IReadOnlyList<string> Tags { get; }

    /// <summary>The data it reported, in its order; empty for none. Values are whatever the check put there (or null).</summary>
    public IReadOnlyDictionary<string, object?> Data { get; }

    /// <summary>The message of the exception the check threw or reported; null for none.</summary>
    public string? ExceptionMessage { get; }

    /// <summary>The reference's fields: whether it passed, its message and its duration.</summary>
    public void Deconstruct(out bool Healthy, out string? Message, out TimeSpan Duration)
    {
        Healthy = this.Healthy;
        Message = this.Message;
        Duration = this.Duration;
    }

    /// <summary>Equal when status, message, duration, exception message, tags (in order) and data (by key) are equal.</summary>
    public bool Equals(CheckResult? other) =>
        other is not null
        && Status == other.Status
        && Message == other.Message
        && Duration == other.Duration
        && ExceptionMessage == other.ExceptionMessage
        && Tags.SequenceEqual(other.Tags)
        && Data.Count == other.Data.Count
        && Data.All(kv => other.Data.TryGetValue(kv.Key, out var value) && Equals(kv.Value, value));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Status, Message, Duration, ExceptionMessage, Tags.Count, Data.Count);

    // A dictionary keeps insertion order while nothing is removed, which the JSON writer relies on; a repeated key keeps its last value.
    private static Dictionary<string, object?> Copy(IEnumerable<KeyValuePair<string, object?>> data)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in data)
        {
            if (key is not null)
                copy[key] = value;
        }

        return copy;
    }
}

/// <summary>
/// The aggregated status, the reference's <c>HealthStatus</c> plus its <see cref="Status"/>: the worst status of any
/// check (<see cref="CheckStatus.Healthy"/> when there are none); <see cref="Healthy"/> only if no check is unhealthy;
/// every registered check appears, in registration order; uptime in whole seconds since the checker was created.
/// Immutable.
/// </summary>
public sealed record DaemonHealth
{
    /// <summary>A status from whether it is healthy; <see cref="Status"/> is Degraded when healthy and some check is degraded.</summary>
    /// <param name="Healthy">True only if no check failed (true when there are none).</param>
    /// <param name="Checks">Each check's result, by name, in registration order.</param>
    /// <param name="Uptime">Whole seconds since the checker was created.</param>
    public DaemonHealth(bool Healthy, IReadOnlyList<(string Name, CheckResult Result)> Checks, long Uptime)
        : this(
            Healthy ? (Checks ?? throw new ArgumentNullException(nameof(Checks))).Any(c => c.Result.Status == CheckStatus.Degraded) ? CheckStatus.Degraded : CheckStatus.Healthy
                : CheckStatus.Unhealthy,
            Checks,
            Uptime)
    {
    }

    /// <summary>A status with an explicit overall <paramref name="status"/>.</summary>
    /// <param name="status">The overall status (normally the worst of the checks').</param>
    /// <param name="checks">Each check's result, by name, in registration order.</param>
    /// <param name="uptime">Whole seconds since the checker was created.</param>
    /// <exception cref="ArgumentNullException"><paramref name="checks"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="status"/> is not a defined <see cref="CheckStatus"/>.</exception>
    public DaemonHealth(CheckStatus status, IReadOnlyList<(string Name, CheckResult Result)> checks, long uptime)
    {
        if (status is not (CheckStatus.Unhealthy or CheckStatus.Degraded or CheckStatus.Healthy))
            throw new ArgumentOutOfRangeException(nameof(status), status, "A health status is Unhealthy, Degraded or Healthy.");
        Status = status;
        Checks = checks ?? throw new ArgumentNullException(nameof(checks));
        Uptime = uptime;
    }

    /// <summary>The overall status: the worst of the checks' (Healthy when there are none).</summary>
    public CheckStatus Status { get; }

    /// <summary>True only if no check is unhealthy (true when there are none); a degraded status is healthy.</summary>
    public bool Healthy => Status != CheckStatus.Unhealthy;

    /// <summary>Each check's result, by name, in registration order.</summary>
    public IReadOnlyList<(string Name, CheckResult Result)> Checks { get; }

    /// <summary>Whole seconds since the checker was created.</summary>
    public long Uptime { get; }

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

    /// <summary>The reference's fields: whether it is healthy, the checks and the uptime.</summary>
    public void Deconstruct(out bool Healthy, out IReadOnlyList<(string Name, CheckResult Result)> Checks, out long Uptime)
    {
        Healthy = this.Healthy;
        Checks = this.Checks;
        Uptime = this.Uptime;
    }

    /// <summary>Equal when status, uptime and every check (in order) are equal.</summary>
    public bool Equals(DaemonHealth? other) =>
        other is not null && Status == other.Status && Uptime == other.Uptime && Checks.SequenceEqual(other.Checks);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Status, Uptime, Checks.Count);
}

/// <summary>Why a health check could not be registered.</summary>
/// <param name="Message">What is wrong and what to do.</param>
public sealed record HealthCheckError(string Message)
{
    /// <inheritdoc />
    public override string ToString() => Message;
}
