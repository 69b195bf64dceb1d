namespace Outfitter.Daemon.Core.Health;

/// <summary>How one health check ended.</summary>
public abstract record CheckOutcome
{
    private CheckOutcome()
    {
    }

    /// <summary>The check returned success.</summary>
    public sealed record Passed : CheckOutcome;

    /// <summary>The check returned an error value.</summary>
    public sealed record Failed(string Message) : CheckOutcome;

    /// <summary>The check threw.</summary>
    public sealed record Threw(string Message) : CheckOutcome;

    /// <summary>The check did not finish within its timeout.</summary>
    public sealed record TimedOut(TimeSpan After) : CheckOutcome;
}
