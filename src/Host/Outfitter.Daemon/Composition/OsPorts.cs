using Outfitter.Daemon.Adapters.Directories;
using Outfitter.Daemon.Adapters.FileLocks;
using Outfitter.Daemon.Adapters.Platform;
using Outfitter.Daemon.Adapters.Processes;
using Outfitter.Daemon.Adapters.Signals;
using Outfitter.Daemon.Adapters.Systemd;
using Outfitter.Daemon.Core.Paths;
using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon.Composition;

/// <summary>
/// The composition root for the static facades: picks this operating system's adapter for each port, once.
/// (Dependency-injection users compose the same ports through the container.)
/// </summary>
internal static class OsPorts
{
    private static readonly Lazy<ILockFiles> LockFilesInstance = new(CreateLockFiles);
    private static readonly Lazy<IProcessTable> ProcessTableInstance = new(CreateProcessTable);
    private static readonly Lazy<IDirectories> DirectoriesInstance = new(CreateDirectories);
    private static readonly Lazy<ISignalSource> SignalsInstance = new(() => new PosixSignals());
    private static readonly Lazy<IProcessSignals> ProcessSignalsInstance = new(CreateProcessSignals);

    internal static ILockFiles LockFiles => LockFilesInstance.Value;

    internal static IProcessTable ProcessTable => ProcessTableInstance.Value;

    internal static IDirectories Directories => DirectoriesInstance.Value;

    internal static ISignalSource Signals => SignalsInstance.Value;

    internal static IProcessSignals ProcessSignals => ProcessSignalsInstance.Value;

    internal static IProcessExit Exit { get; } = new EnvironmentProcessExit();

    internal static ISystemdEnvironment SystemdEnvironment { get; } = new SystemdEnvironment();

    internal static ISystemdNotifier SystemdNotifier { get; } = new SystemdNotifier();

    internal static IRuntimeEnvironment RuntimeEnvironment { get; } = new OsRuntimeEnvironment();

    internal static OsFamily Os => OsRuntimeEnvironment.CurrentOs;

    internal static uint UserId => RuntimeEnvironment.Observe().UserId;

    /// <summary>The transport for any endpoint: <c>\\.\pipe\name</c> is a named pipe, anything else a Unix socket.</summary>
    internal static IIpcTransport Transport { get; } = new EndpointTransport();

    internal static ILockFiles CreateLockFiles() =>
        OperatingSystem.IsLinux() ? new OfdLockFiles()
        : OperatingSystem.IsMacOS() ? new FlockSidecarLockFiles()
        : OperatingSystem.IsWindows() ? new ExclusiveHandleLockFiles()
        : throw Unsupported();

    internal static IProcessTable CreateProcessTable() =>
        OperatingSystem.IsWindows() ? new WindowsProcessTable() : new UnixProcessTable();

    internal static IProcessSignals CreateProcessSignals() =>
        OperatingSystem.IsWindows() ? new WindowsProcessSignals() : new UnixProcessSignals();

    internal static IDirectories CreateDirectories() =>
        OperatingSystem.IsWindows() ? new WindowsDirectories() : new UnixDirectories();

    private static PlatformNotSupportedException Unsupported() =>
        new("Outfitter.Daemon locking supports Linux, macOS and Windows.");
}
