using Outfitter.Daemon.Composition;

namespace Outfitter.Daemon;

/// <summary>Creates daemons: the reference's <c>createDaemon</c>.</summary>
/// <example>
/// <code>
/// var daemon = Daemon.Create(new DaemonOptions { Name = "my-service", PidFile = DaemonPaths.GetLockPath("my-service") });
/// daemon.OnShutdown(async ct => await database.CloseAsync(ct));
/// var started = await daemon.StartAsync();
/// if (started.IsLeft) { /* ALREADY_RUNNING, PID_ERROR … */ }
/// await daemon.WaitForStopAsync();   // until SIGTERM/SIGINT/SIGQUIT or StopAsync
/// </code>
/// </example>
public static class Daemon
{
    /// <summary>
    /// Creates a daemon over this operating system's adapters (kernel-locked PID file, POSIX signals) and, when
    /// <see cref="DaemonOptions.ExitOnSignal"/> is set, attaches the real process exit after a signal-requested stop
    /// (<see cref="DaemonExit.ExitOnSignal"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public static IDaemon Create(DaemonOptions options)
    {
        var daemon = new DaemonRuntime(options, DaemonLockService.Os, OsPorts.Current.Signals, OsPorts.Current.Processes, OsPorts.Current.Time);
        if (options.ExitOnSignal)
            DaemonExit.ExitOnSignal(daemon, OsPorts.Current.Exit);
        return daemon;
    }
}
