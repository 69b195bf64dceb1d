namespace Outfitter.Daemon.Hosting;

/// <summary>
/// A hosted daemon could not start: another instance holds the lock (<see cref="DaemonErrorCode.AlreadyRunning"/>, naming
/// its PID), or the IPC endpoint could not be opened. Thrown by the Generic Host's <c>StartAsync</c>/<c>RunAsync</c> before
/// any other hosted service has started; <see cref="HostExtensions.RunDaemonAsync"/> turns it into <see cref="ExitCode"/>.
/// </summary>
public sealed class DaemonStartException : Exception
{
    /// <summary>Creates the exception for <paramref name="error"/>.</summary>
    public DaemonStartException(DaemonError error)
        : base((error ?? throw new ArgumentNullException(nameof(error))).Message) =>
        Error = error;

    /// <summary>Why the daemon did not start.</summary>
    public DaemonError Error { get; }

    /// <summary>The documented exit code: 1 when another instance is running, 3 for any other start failure.</summary>
    public int ExitCode => Error.Code == DaemonErrorCode.AlreadyRunning ? HostExtensions.AlreadyRunningExitCode : HostExtensions.StartFailedExitCode;
}
