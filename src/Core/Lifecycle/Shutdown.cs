using LanguageExt;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Lifecycle;

/// <summary>
/// Which shutdown handlers run, in which order, within what budget. Handlers run one after another in registration order
/// (as the reference does) and share one budget: when it runs out, the running handler's token is cancelled, the daemon
/// stops waiting for it, and the handlers not yet started are skipped.
/// </summary>
/// <param name="Order">Handler indices in the order they run.</param>
/// <param name="Budget">The total time all handlers may take.</param>
internal sealed record ShutdownPlan(Seq<int> Order, TimeSpan Budget)
{
    /// <summary>Plans the shutdown of <paramref name="handlerCount"/> registered handlers within <paramref name="budget"/>.</summary>
    public static ShutdownPlan Create(int handlerCount, TimeSpan budget) =>
        handlerCount < 0 ? throw new ArgumentOutOfRangeException(nameof(handlerCount))
        : budget <= TimeSpan.Zero ? throw new ArgumentOutOfRangeException(nameof(budget), budget, "The shutdown budget must be positive.")
        : new ShutdownPlan(toSeq(Enumerable.Range(0, handlerCount)), budget);
}

/// <summary>How one shutdown handler ended.</summary>
internal abstract record HandlerOutcome
{
    private HandlerOutcome()
    {
    }

    /// <summary>It returned normally.</summary>
    public sealed record Completed : HandlerOutcome;

    /// <summary>It threw; the message is logged and the next handler still runs.</summary>
    public sealed record Failed(string Message) : HandlerOutcome;

    /// <summary>The budget ran out while it was running; its token was cancelled and nobody waits for it any more.</summary>
    public sealed record Abandoned : HandlerOutcome;

    /// <summary>The budget ran out before its turn.</summary>
    public sealed record Skipped : HandlerOutcome;
}

/// <summary>Pure evaluation of a finished shutdown.</summary>
internal static class ShutdownOutcome
{
    /// <summary>
    /// The result <c>StopAsync</c> reports: <see cref="DaemonErrorCode.ShutdownTimeout"/> when any handler was abandoned or
    /// skipped; else <see cref="DaemonErrorCode.PidError"/> when the PID file could not be removed; else success. A handler
    /// that threw is logged but, as in the reference, does not fail the stop.
    /// </summary>
    public static Either<DaemonError, Unit> Evaluate(string name, ShutdownPlan plan, Seq<HandlerOutcome> outcomes, Option<string> pidFileError)
    {
        var late = outcomes.Count(o => o is HandlerOutcome.Abandoned or HandlerOutcome.Skipped);
        if (late > 0)
            return Left<DaemonError, Unit>(new DaemonError(
                DaemonErrorCode.ShutdownTimeout,
                $"Shutdown handlers of daemon \"{name}\" exceeded the timeout of {plan.Budget.TotalMilliseconds:0}ms ({late} of {plan.Order.Count} did not finish); the daemon stopped anyway."));
        return pidFileError.Match(
            Some: e => Left<DaemonError, Unit>(new DaemonError(DaemonErrorCode.PidError, $"Daemon \"{name}\" stopped but its PID file could not be removed: {e}")),
            None: () => Right<DaemonError, Unit>(unit));
    }
}
