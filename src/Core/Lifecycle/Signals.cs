using LanguageExt;

namespace Outfitter.Daemon.Core.Lifecycle;

/// <summary>What to do when a stop signal arrives.</summary>
public enum SignalDecision
{
    /// <summary>Request the graceful stop (handlers, PID file), or join the one in progress; the process exits after it.</summary>
    StopGracefully,

    /// <summary>A stop is already in progress: the user insists; remove the PID file and exit at once.</summary>
    ForceExit,

    /// <summary>Nothing to stop.</summary>
    Ignore,
}

/// <summary>
/// Pure signal policy and the documented exit codes of a daemon stopped by a signal.
/// </summary>
public static class SignalPolicy
{
    /// <summary>Exit code after a graceful stop that completed in time.</summary>
    public const int CleanExitCode = 0;

    /// <summary>
    /// Exit code after a graceful stop whose handlers exceeded the shutdown timeout (the daemon still stopped and removed its
    /// PID file). 124 is what <c>timeout(1)</c> uses for "timed out".
    /// </summary>
    public const int ShutdownTimeoutExitCode = 124;

    /// <summary>Exit code after a stop that failed for another reason (the PID file could not be removed).</summary>
    public const int StopFailedExitCode = 1;

    /// <summary>
    /// Decides what a signal means in <paramref name="state"/>. A signal during a stop forces exit only when an earlier
    /// signal already asked for that stop (the user insists); a first signal during a stop requested through the API
    /// joins that stop, so no shutdown handler is cut short.
    /// </summary>
    /// <param name="state">The daemon's state when the signal arrives.</param>
    /// <param name="signalledBefore">Whether a stop signal already arrived during this run.</param>
    internal static SignalDecision Decide(DaemonState state, bool signalledBefore) => state switch
    {
        DaemonState.Running => SignalDecision.StopGracefully,
        DaemonState.Stopping => signalledBefore ? SignalDecision.ForceExit : SignalDecision.StopGracefully,

        // Signals are subscribed only while running; one that arrives at the edges is a late echo.
        DaemonState.Starting or DaemonState.Stopped => SignalDecision.Ignore,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown daemon state."),
    };

    /// <summary>The exit code after a graceful stop that failed with <paramref name="error"/> (succeeded when null).</summary>
    public static int ExitCodeAfterStop(DaemonError? error) => error switch
    {
        null => CleanExitCode,
        { Code: DaemonErrorCode.ShutdownTimeout } => ShutdownTimeoutExitCode,
        _ => StopFailedExitCode,
    };

    /// <summary>The exit code after a signal-initiated graceful stop ended with <paramref name="result"/>.</summary>
    internal static int ExitCodeAfterStop(LanguageExt.Either<DaemonError, LanguageExt.Unit> result) =>
        ExitCodeAfterStop(result.MatchUnsafe(Right: _ => null, Left: e => e));

    /// <summary>The exit code of a forced exit by a second signal: 128 + the signal number, as the shell reports it.</summary>
    public static int ForcedExitCode(StopSignal signal) => 128 + (int)signal;

    /// <summary>
    /// Whether the process exits after <paramref name="end"/>, and with which code: after a stop a signal requested, the
    /// code of <see cref="ExitCodeAfterStop(DaemonError)"/>; after a forced exit, <see cref="ForcedExitCode"/>; after a stop only the
    /// API asked for, None (the caller owns the process and goes on).
    /// </summary>
    internal static LanguageExt.Option<int> ExitCode(RunEnd end) => end switch
    {
        RunEnd.Stopped stopped => stopped.RequestedBy is null ? Option<int>.None : Option<int>.Some(ExitCodeAfterStop(stopped.Error)),
        RunEnd.Forced forced => ForcedExitCode(forced.Signal),
        _ => throw new ArgumentOutOfRangeException(nameof(end), end, "Unknown run end."),
    };
}
