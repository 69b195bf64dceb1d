namespace Outfitter.Daemon;

/// <summary>
/// A named health check, the reference's <c>HealthCheck</c>. Write it as a predicate (<c>Task&lt;bool&gt;</c>, with the
/// reason to report when it is false) or as a function that returns a <see cref="CheckVerdict"/>. It may also throw
/// (reported unhealthy with the exception's message). <see cref="Timeout"/> bounds it (default 5 s); the token it gets
/// is cancelled then. Immutable.
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

    /// <summary>A check that returns its verdict: <c>CheckVerdict.Healthy</c> or <c>CheckVerdict.Unhealthy("why")</c>.</summary>
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

    /// <summary>Runs the check once.</summary>
    internal Func<CancellationToken, Task<CheckVerdict>> Run { get; }
}
