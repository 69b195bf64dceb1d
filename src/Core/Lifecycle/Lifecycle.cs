using LanguageExt;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Lifecycle;

/// <summary>
/// The lifecycle state machine: a total pure function. Only the reference's transitions are legal —
/// stopped → starting → running (start), running → stopping → stopped (stop or signal), starting → stopped (start failed);
/// every other pair gives a <see cref="DaemonError"/> value.
/// </summary>
internal static class Lifecycle
{
    /// <summary>The next state after <paramref name="event"/> in <paramref name="state"/>, or why it is not allowed.</summary>
    /// <param name="state">The current state.</param>
    /// <param name="event">What happened.</param>
    /// <param name="name">The daemon's name, for messages.</param>
    public static Either<DaemonError, DaemonState> Transition(DaemonState state, LifecycleEvent @event, string name) =>
        (state, @event) switch
        {
            (DaemonState.Stopped, LifecycleEvent.Start) => DaemonState.Starting,
            (DaemonState.Starting, LifecycleEvent.Started) => DaemonState.Running,
            (DaemonState.Starting, LifecycleEvent.StartFailed) => DaemonState.Stopped,
            (DaemonState.Running, LifecycleEvent.Stop) => DaemonState.Stopping,
            (DaemonState.Stopping, LifecycleEvent.Stopped) => DaemonState.Stopped,

            (_, LifecycleEvent.Start) => Error(DaemonErrorCode.AlreadyRunning, $"Daemon \"{name}\" is already {Describe(state)}."),
            (_, LifecycleEvent.Started or LifecycleEvent.StartFailed) =>
                Error(DaemonErrorCode.StartFailed, $"Daemon \"{name}\" is {Describe(state)}, not starting."),
            (_, LifecycleEvent.Stop or LifecycleEvent.Stopped) =>
                Error(DaemonErrorCode.NotRunning, $"Daemon \"{name}\" is {Describe(state)}, not running."),
            _ => throw new ArgumentOutOfRangeException(nameof(@event), @event, "Unknown lifecycle event."),
        };

    /// <summary>Whether <paramref name="state"/> counts as running for <c>IsRunning</c> (only <see cref="DaemonState.Running"/>).</summary>
    public static bool IsRunning(DaemonState state) => state == DaemonState.Running;

    /// <summary>The reference's lower-case state name (<c>"running"</c>, …).</summary>
    public static string WireName(DaemonState state) => state switch
    {
        DaemonState.Stopped => "stopped",
        DaemonState.Starting => "starting",
        DaemonState.Running => "running",
        DaemonState.Stopping => "stopping",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown daemon state."),
    };

    private static string Describe(DaemonState state) => WireName(state);

    private static Either<DaemonError, DaemonState> Error(DaemonErrorCode code, string message) =>
        Left<DaemonError, DaemonState>(new DaemonError(code, message));
}
