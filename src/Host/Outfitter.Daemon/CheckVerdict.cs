namespace Outfitter.Daemon;

/// <summary>
/// What a health check says, the way <c>Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult</c> does:
/// <see cref="Healthy"/>, <see cref="Degraded"/> or <see cref="Unhealthy"/> with a reason, optionally with data and the
/// message of an exception (<see cref="Create"/>). <c>default</c> is unhealthy ("returned no verdict"), never healthy.
/// Immutable.
/// </summary>
public readonly struct CheckVerdict : IEquatable<CheckVerdict>
{
    private static readonly IReadOnlyDictionary<string, object?> NoData = new Dictionary<string, object?>();

    private readonly string? _message;
    private readonly CheckStatus _status;
    private readonly IReadOnlyDictionary<string, object?>? _data;
    private readonly string? _exceptionMessage;

    private CheckVerdict(CheckStatus status, string? message, IReadOnlyDictionary<string, object?>? data = null, string? exceptionMessage = null)
    {
        _status = status;
        _message = message;
        _data = data;
        _exceptionMessage = exceptionMessage;
    }

    /// <summary>The check passed.</summary>
    public static CheckVerdict Healthy => new(CheckStatus.Healthy, null);

    /// <summary>The check failed because of <paramref name="reason"/> (shown in the health reply).</summary>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is null or white space.</exception>
    public static CheckVerdict Unhealthy(string reason) =>
        string.IsNullOrWhiteSpace(reason)
            ? throw new ArgumentException("An unhealthy verdict needs a reason.", nameof(reason))
            : new(CheckStatus.Unhealthy, reason);

    /// <summary>
    /// The check works, with a problem worth reporting (<paramref name="reason"/>). A degraded check still counts as
    /// healthy on the wire (<c>"healthy":true,"status":"degraded"</c>) and, by default, for the systemd watchdog.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is null or white space.</exception>
    public static CheckVerdict Degraded(string reason) =>
        string.IsNullOrWhiteSpace(reason)
            ? throw new ArgumentException("A degraded verdict needs a reason.", nameof(reason))
            : new(CheckStatus.Degraded, reason);

    /// <summary>
    /// A verdict with everything a result can carry: a <paramref name="status"/>, a message (a healthy check's optional
    /// description; for an unhealthy or degraded one, its reason, defaulting to <paramref name="exceptionMessage"/> or
    /// "the check reported &lt;status&gt;"), key/value data (copied, in order) and an exception's message.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="status"/> is not a defined <see cref="CheckStatus"/>.</exception>
    public static CheckVerdict Create(CheckStatus status, string? message = null, IEnumerable<KeyValuePair<string, object?>>? data = null, string? exceptionMessage = null)
    {
        if (status is not (CheckStatus.Unhealthy or CheckStatus.Degraded or CheckStatus.Healthy))
            throw new ArgumentOutOfRangeException(nameof(status), status, "A check status is Unhealthy, Degraded or Healthy.");
        var reason = string.IsNullOrWhiteSpace(message) ? null : message;
        if (status != CheckStatus.Healthy)
            reason ??= string.IsNullOrWhiteSpace(exceptionMessage) ? $"the check reported {status.ToString().ToLowerInvariant()}" : exceptionMessage;
        return new(status, reason, data is null ? null : Copy(data), exceptionMessage);
    }

    /// <summary>How the check stands.</summary>
    public CheckStatus Status => _status;

    /// <summary>Whether the check passed: true when <see cref="Status"/> is Healthy or Degraded.</summary>
    public bool IsHealthy => _status != CheckStatus.Unhealthy;

    /// <summary>
    /// Why it failed or is degraded; for a healthy verdict the description given to <see cref="Create"/>, else null.
    /// </summary>
    public string? Reason => _status == CheckStatus.Unhealthy ? _message ?? "the check returned no verdict" : _message;

    /// <summary>The key/value data given to <see cref="Create"/>, in order; empty otherwise.</summary>
    public IReadOnlyDictionary<string, object?> Data => _data ?? NoData;

    /// <summary>The exception message given to <see cref="Create"/>; null otherwise.</summary>
    public string? ExceptionMessage => _exceptionMessage;

    /// <inheritdoc />
    public bool Equals(CheckVerdict other) =>
        Status == other.Status
        && Reason == other.Reason
        && ExceptionMessage == other.ExceptionMessage
        && Data.Count == other.Data.Count
        && Data.All(kv => other.Data.TryGetValue(kv.Key, out var value) && Equals(kv.Value, value));

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is CheckVerdict other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Status, Reason, ExceptionMessage, Data.Count);

    /// <summary>Whether two verdicts agree.</summary>
    public static bool operator ==(CheckVerdict left, CheckVerdict right) => left.Equals(right);

    /// <summary>Whether two verdicts differ.</summary>
    public static bool operator !=(CheckVerdict left, CheckVerdict right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => Reason is { } reason ? $"{Status}: {reason}" : Status.ToString();

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
