using LanguageExt;
using Outfitter.Daemon.Core.Lifecycle;

namespace Outfitter.Daemon;

/// <summary>
/// A daemon's lifecycle, the reference's <c>Daemon</c> interface: <see cref="StartAsync"/> locks and writes the PID file,
/// <see cref="StopAsync"/> (or <see cref="RequestStop"/>, which SIGTERM/SIGINT/SIGQUIT call) runs the shutdown handlers in registration order within the shutdown
/// timeout and removes the PID file. Expected failures are <see cref="DaemonError"/> values. Thread-safe: concurrent stops
/// (a signal and the API, or two callers) run the handlers once and all see the same result.
/// </summary>
public interface IDaemon
{
    /// <summary>The daemon's name.</summary>
    string Name { get; }

    /// <summary>The current state.</summary>
    DaemonState State { get; }

    /// <summary>True while <see cref="State"/> is <see cref="DaemonState.Running"/>.</summary>
    bool IsRunning { get; }

    /// <summary>
    /// Starts: takes the PID file's lock (creating parent directories), writes this process's PID, subscribes to stop
    /// signals, ends in <see cref="DaemonState.Running"/>. <see cref="DaemonErrorCode.AlreadyRunning"/> when this daemon
    /// is not stopped or another live process owns the PID file (its PID is in the message);
    /// <see cref="DaemonErrorCode.PidError"/> when the file cannot be written. The state is then back to stopped.
    /// </summary>
    Task<Result<Done, DaemonError>> StartAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Stops: runs the shutdown handlers in registration order (a throwing handler is logged and the rest still run), each
    /// with a token cancelled when the shutdown timeout runs out, never waiting past it; removes the PID file; ends in
    /// <see cref="DaemonState.Stopped"/>. <see cref="DaemonErrorCode.NotRunning"/> when stopped;
    /// <see cref="DaemonErrorCode.ShutdownTimeout"/> when handlers did not finish in time (the daemon stopped anyway).
    /// Cancelling <paramref name="cancellationToken"/> only stops waiting (throws <see cref="OperationCanceledException"/>);
    /// the stop goes on.
    /// </summary>
    Task<Result<Done, DaemonError>> StopAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Requests a stop and returns at once, as a stop signal does: the stop sequence of <see cref="StopAsync"/> begins (or
    /// the one in progress goes on); <see cref="WaitForStopAsync"/> tells how it ended. Nothing happens when not running.
    /// </summary>
    void RequestStop();

    /// <summary>Registers a shutdown handler; handlers run in registration order. The token is cancelled when the budget runs out.</summary>
    void OnShutdown(Func<CancellationToken, Task> handler);

    /// <summary>
    /// Completes when the current (or, once stopped, the last) run stops, by <see cref="StopAsync"/> or a signal, with that
    /// stop's result; <see cref="DaemonErrorCode.NotRunning"/> at once when never started. Handy at the end of a daemon's
    /// <c>Main</c>: a signal that arrives between start and this call is not missed.
    /// </summary>
    Task<Result<Done, DaemonError>> WaitForStopAsync(CancellationToken cancellationToken = default);
}
