using LanguageExt;
using LanguageExt.Common;
using Outfitter.Daemon.Core.Health;

namespace Outfitter.Daemon;

/// <summary>
/// A named health check, the reference's <c>HealthCheck</c>: a function that returns success or an error value. It may
/// also throw (reported unhealthy with the exception's message). <see cref="Timeout"/> bounds it (default 5 s); the token
/// it gets is cancelled then.
/// </summary>
/// <param name="Name">Unique name, shown in the status.</param>
/// <param name="Check">The check.</param>
/// <param name="Timeout">How long it may run; null for the checker's default (5 s).</param>
public sealed record HealthCheck(string Name, Func<CancellationToken, Task<Either<Error, Unit>>> Check, TimeSpan? Timeout = null)
{
    /// <summary>A check from a predicate: healthy when it returns true, else unhealthy with <paramref name="failureMessage"/>.</summary>
    public static HealthCheck From(string name, Func<CancellationToken, Task<bool>> isHealthy, string failureMessage, TimeSpan? timeout = null) =>
        new(name, async ct => await isHealthy(ct).ConfigureAwait(false) ? Prelude.unit : Prelude.Left<Error, Unit>(Error.New(failureMessage)), timeout);
}
