namespace Outfitter.Daemon.Core.Ipc;

/// <summary>
/// What the accept loop does when accepting fails (most often: the process is out of file descriptors, EMFILE/ENFILE).
/// The pending connection stays queued and the listener stays readable, so retrying at once would spin a core; instead
/// the loop waits, longer after each consecutive failure up to a cap, and says so once per episode. Pure.
/// </summary>
internal static class AcceptBackoff
{
    /// <summary>The wait after the first failure of an episode.</summary>
    public static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(5);

    /// <summary>The longest wait between attempts, which is also how long recovery can lag behind freed descriptors.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromMilliseconds(100);

    /// <summary>The wait after <paramref name="consecutiveFailures"/> failures in a row (1 for the first); zero for none.</summary>
    public static TimeSpan Delay(int consecutiveFailures)
    {
        if (consecutiveFailures <= 0)
            return TimeSpan.Zero;

        // Doubling from Initial; the shift is bounded so that it cannot overflow.
        var shift = Math.Min(consecutiveFailures - 1, 16);
        var ticks = Initial.Ticks << shift;
        return ticks >= Max.Ticks ? Max : TimeSpan.FromTicks(ticks);
    }

    /// <summary>True for the failure that starts an episode: the one to log (later ones of the episode stay quiet).</summary>
    public static bool ShouldLogFailure(int consecutiveFailures) => consecutiveFailures == 1;

    /// <summary>True when an accept succeeds after failures: the episode ends, and its end is logged once.</summary>
    public static bool ShouldLogRecovery(int failuresBefore) => failuresBefore > 0;
}
