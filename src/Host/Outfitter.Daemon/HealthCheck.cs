namespace Outfitter.Daemon;

/// <summary>
/// A named health check, the reference's <c>HealthCheck</c>. Write it as a predicate (<c>Task&lt;bool&gt;</c>, with the
/// reason to report when it is false) or as a function that returns a <see cref="CheckVerdict"/> (healthy, degraded or
/// unhealthy). It may also throw (reported as <see cref="FailureStatus"/>, unhealthy by default, with the exception's
/// message). <see cref="Timeout"/> bounds it (default 5 s); the token it gets is cancelled then. Immutable once
/// constructed (<see cref="Tags"/> and <see cref="FailureStatus"/> are set in the object initializer).
/// </summary>
public sealed class HealthCheck
{
    /// <summary>A check from a predicate: healthy when it returns true, else unhealthy with <paramref name="failureMessage"/>.</summary>
    /// <param name="name">Unique name, shown in the status.</param>
    /// <param name="isHealthy">The check.</param>
    /// <param name="failureMessage">The reason reported when the predicate is false; default "&lt;name&gt; is unhealthy".</param>
    /// <param name="timeout">How long it may run; null for the checker's default (5 s).</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="isHealthy"/> is null.</exception>
    public HealthCheck(string name, Func<CancellationToken, Task<bool>> isHealthy, string? failureMessage = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(isHealthy);
        var reason = string.IsNullOrWhiteSpace(failureMessage) ? $"{name} is unhealthy" : failureMessage;
        Name = name;
        Timeout = timeout;
        Run = async ct => await isHealthy(ct).ConfigureAwait(false) ? CheckVerdict.Healthy : CheckVerdict.Unhealthy(reason);
    }

    /// <summary>A check that returns its verdict: <c>CheckVerdict.Healthy</c>, <c>CheckVerdict.Degraded("why")</c> or <c>CheckVerdict.Unhealthy("why")</c>.</summary>
    /// <param name="name">Unique name, shown in the status.</param>
    /// <param name="check">The check.</param>
    /// <param name="timeout">How long it may run; null for the checker's default (5 s).</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="check"/> is null.</exception>
    public HealthCheck(string name, Func<CancellationToken, Task<CheckVerdict>> check, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
        Timeout = timeout;
        Run = check ?? throw new ArgumentNullException(nameof(check));
    }

    /// <summary>Unique name, shown in the status.</summary>
    public string Name { get; }

    /// <summary>How long it may run; null for the checker's default (5 s).</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>Tags shown with its result (<c>"tags":[…]</c> in the health reply); empty by default.</summary>
    /// <exception cref="ArgumentNullException">Set to null.</exception>
    public IReadOnlyList<string> Tags
    {
        get => _tags;
        init => _tags = value is null ? throw new ArgumentNullException(nameof(value)) : [.. value];
    }

    /// <summary>
    /// The status reported when the check throws or times out: <see cref="CheckStatus.Unhealthy"/> (default) or
    /// <see cref="CheckStatus.Degraded"/>, for a check whose failure should not count against the daemon (it is a
    /// dependency the daemon can do without).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to <see cref="CheckStatus.Healthy"/> or an undefined value: a failure is never healthy.</exception>
    public CheckStatus FailureStatus
    {
        get => _failureStatus;
        init => _failureStatus = value is CheckStatus.Unhealthy or CheckStatus.Degraded
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "A failure is reported Unhealthy or Degraded, never Healthy.");
    }

    private readonly IReadOnlyList<string> _tags = [];
    private readonly CheckStatus _failureStatus = CheckStatus.Unhealthy;

    /// <summary>Runs the check once.</summary>
    internal Func<CancellationToken, Task<CheckVerdict>> Run { get; }
}
