namespace Outfitter.Daemon.Core.Ports;

/// <summary>
/// Every port the shell needs, as one value: the operating system's adapters (from the adapters package's one public
/// entry) or in-memory fakes (from Outfitter.Daemon.Testing). The shell reads the OS, the clock and the environment only
/// through these. Immutable; build a variant with <c>with</c>.
/// </summary>
/// <param name="LockFiles">Kernel-locked lock files.</param>
/// <param name="Processes">The process table (also knows the current process).</param>
/// <param name="Directories">Directories and their ownership.</param>
/// <param name="Signals">Stop signals delivered to this process.</param>
/// <param name="ProcessSignals">Signals this process sends to others.</param>
/// <param name="Exit">Ending this process.</param>
/// <param name="Runtime">The platform and environment facts paths are resolved from.</param>
/// <param name="Transport">The IPC transport (Unix sockets and named pipes).</param>
/// <param name="SystemdEnvironment">systemd's variables.</param>
/// <param name="SystemdNotifySocket">Notifications to systemd.</param>
/// <param name="Time">The clock.</param>
/// <param name="Launcher">Starting daemons detached (connect-or-start).</param>
/// <param name="LogFiles">The files of a rotating log.</param>
public sealed record DaemonPorts(
    ILockFiles LockFiles,
    IProcessTable Processes,
    IDirectories Directories,
    ISignalSource Signals,
    IProcessSignals ProcessSignals,
    IProcessExit Exit,
    IRuntimeEnvironment Runtime,
    IIpcTransport Transport,
    ISystemdEnvironment SystemdEnvironment,
    ISystemdNotifySocket SystemdNotifySocket,
    TimeProvider Time,
    IDaemonLauncher Launcher,
    ILogFiles LogFiles);
