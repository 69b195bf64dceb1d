using LanguageExt;
using LanguageExt.Common;

namespace Outfitter.Daemon.Functional;

/// <summary>Health checks written with LanguageExt, for users who compose with it.</summary>
public static class HealthChecks
{
    /// <summary>A check that returns <c>Right(unit)</c> when healthy and <c>Left(error)</c> with the reason when not.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="check"/> is null.</exception>
    public static HealthCheck FromEither(string name, Func<CancellationToken, Task<Either<Error, Unit>>> check, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(check);
        return new HealthCheck(
            name,
            async ct => (await check(ct).ConfigureAwait(false)).Match(
                Right: _ => CheckVerdict.Healthy,
                Left: error => CheckVerdict.Unhealthy(string.IsNullOrWhiteSpace(error.Message) ? $"{name} is unhealthy" : error.Message)),
            timeout);
    }
}
