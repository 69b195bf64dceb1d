// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

/// <summary>The reference's <c>DaemonErrorCode</c>.</summary>
public enum DaemonErrorCode
{
    /// <summary><c>ALREADY_RUNNING</c>: start requested but the daemon (this one or another process) is running.</summary>
    AlreadyRunning,

    /// <summary><c>NOT_RUNNING</c>: stop requested but the daemon is not running.</summary>
    NotRunning,

    /// <summary><c>SHUTDOWN_TIMEOUT</c>: shutdown handlers exceeded the timeout (the daemon still stopped).</summary>
    ShutdownTimeout,

    /// <summary><c>PID_ERROR</c>: the PID file could not be written, locked or removed.</summary>
    PidError,

    /// <summary><c>START_FAILED</c>: the daemon failed to start.</summary>
    StartFailed,
}

/// <summary>An expected lifecycle failure: the reference's <c>DaemonError</c> with <c>code</c> and <c>message</c>.</summary>
/// <param name="Code">What kind of failure.</param>
/// <param name="Message">A sentence saying what happened and what to do.</param>
public sealed record DaemonError(DaemonErrorCode Code, string Message)
{
    /// <summary>The reference's wire name of <see cref="Code"/>, e.g. <c>ALREADY_RUNNING</c>.</summary>
    public string CodeName => WireName(Code);

    /// <summary>The wire name of a code (<c>ALREADY_RUNNING</c>, <c>NOT_RUNNING</c>, …).</summary>
    public static string WireName(DaemonErrorCode code) => code switch
    {
        DaemonErrorCode.AlreadyRunning => "ALREADY_RUNNING",
        DaemonErrorCode.NotRunning => "NOT_RUNNING",
        DaemonErrorCode.ShutdownTimeout => "SHUTDOWN_TIMEOUT",
        DaemonErrorCode.PidError => "PID_ERROR",
        DaemonErrorCode.StartFailed => "START_FAILED",
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "Unknown daemon error code."),
    };

    /// <inheritdoc />
    public override string ToString() => $"{CodeName}: {Message}";
}
