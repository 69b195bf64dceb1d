using LanguageExt;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Health;

/// <summary>How one health check ended.</summary>
internal abstract record CheckOutcome
{
    private CheckOutcome()
    {
    }

    /// <summary>The check returned success, optionally with a description (a bridged check's <c>Description</c>).</summary>
    /// <param name="Message">What the check said; null for none.</param>
    public sealed record Passed(string? Message = null) : CheckOutcome;

    /// <summary>The check works, with a problem worth reporting.</summary>
    /// <param name="Message">What is wrong.</param>
    public sealed record Degraded(string Message) : CheckOutcome;

    /// <summary>The check returned an error value.</summary>
    public sealed record Failed(string Message) : CheckOutcome;

    /// <summary>The check threw.</summary>
    public sealed record Threw(string Message) : CheckOutcome;

    /// <summary>The check did not finish within its timeout.</summary>
    public sealed record TimedOut(TimeSpan After) : CheckOutcome;
}

/// <summary>
/// One finished check as the shell hands it to <see cref="HealthAggregation.Aggregate(Seq{CheckReport}, TimeSpan)"/>:
/// its outcome plus what it reported beside it. Immutable.
/// </summary>
/// <param name="Name">The check's unique name.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Duration">How long it ran.</param>
internal sealed record CheckReport(string Name, CheckOutcome Outcome, TimeSpan Duration)
{
    /// <summary>The check's tags (as registered), in order; empty for none.</summary>
    public Seq<string> Tags { get; init; } = Empty;

    /// <summary>The key/value data the check returned, in its order; empty for none. Values may be anything, or null.</summary>
    public Seq<(string Key, object? Value)> Data { get; init; } = Empty;

    /// <summary>
    /// The message of the exception the check returned with its result (a bridged check's <c>Exception</c>); for
    /// <see cref="CheckOutcome.Threw"/> the thrown exception's message is used when this is null.
    /// </summary>
    public string? ExceptionMessage { get; init; }

    /// <summary>
    /// The status reported when the check threw or timed out: <see cref="CheckStatus.Unhealthy"/> (default) or
    /// <see cref="CheckStatus.Degraded"/> (a registration's <c>failureStatus</c>); any other value counts as Unhealthy.
    /// </summary>
    public CheckStatus FailureStatus { get; init; } = CheckStatus.Unhealthy;
}
