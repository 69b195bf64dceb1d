namespace Outfitter.Daemon.Tool;

/// <summary>The tool's documented exit codes (README "The outfitter-daemon tool").</summary>
public static class ExitCodes
{
    /// <summary>Success: done, running, healthy.</summary>
    public const int Ok = 0;

    /// <summary>The daemon answered, negatively: unhealthy, an error reply, a held lock, a stop that timed out.</summary>
    public const int Negative = 1;

    /// <summary>No daemon is running there.</summary>
    public const int NotRunning = 2;

    /// <summary>Something failed: the daemon could not start, a system error, a protocol error.</summary>
    public const int Failure = 3;

    /// <summary>
    /// The daemon accepted the connection but did not answer within <c>--timeout</c> (stopped, deadlocked, overloaded).
    /// Never reported as "not running" or as a foreign daemon.
    /// </summary>
    public const int Timeout = 4;

    /// <summary>Bad command line.</summary>
    public const int Usage = 64;
}
