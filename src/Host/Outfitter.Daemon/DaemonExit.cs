using Outfitter.Daemon.Core.Lifecycle;
using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon;

/// <summary>
/// Ending the process: the last step after a daemon's run, owned by the composition (<see cref="Daemon.Create"/>, the
/// hosting package), never by the daemon. The daemon reports how a run ended (<see cref="DaemonRuntime.RunEnded"/>);
/// this step asks <see cref="SignalPolicy.ExitCode"/> and exits through the <see cref="IProcessExit"/> port.
/// </summary>
public static class DaemonExit
{
    /// <summary>
    /// Exits the process through <paramref name="exit"/> once a stop a signal requested has finished (0; 124 after a
    /// shutdown timeout; 1 when the PID file could not be removed), or at once when a second signal forces the end
    /// (128 + the signal's number). A stop only the API asked for leaves the process alone. Dispose the result to detach.
    /// </summary>
    public static IDisposable ExitOnSignal(DaemonRuntime daemon, IProcessExit exit)
    {
        ArgumentNullException.ThrowIfNull(daemon);
        ArgumentNullException.ThrowIfNull(exit);
        return new Attachment(daemon, end => SignalPolicy.ExitCode(end).IfSome(exit.Exit));
    }

    private sealed class Attachment : IDisposable
    {
        private readonly DaemonRuntime _daemon;
        private readonly Action<RunEnd> _onEnd;

        public Attachment(DaemonRuntime daemon, Action<RunEnd> onEnd)
        {
            _daemon = daemon;
            _onEnd = onEnd;
            daemon.RunEnded += onEnd;
        }

        public void Dispose() => _daemon.RunEnded -= _onEnd;
    }
}
