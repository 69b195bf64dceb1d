using Outfitter.Daemon.Adapters.Directories;
using Outfitter.Daemon.Adapters.FileLocks;
using Outfitter.Daemon.Adapters.LogFiles;
using Outfitter.Daemon.Adapters.Platform;
using Outfitter.Daemon.Adapters.Processes;
using Outfitter.Daemon.Adapters.Signals;
using Outfitter.Daemon.Adapters.Systemd;
using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon.Adapters;

/// <summary>
/// The adapters package's one public entry: this operating system's implementation of every port. Everything else in
/// the package is internal.
/// </summary>
public static class OsAdapters
{
    /// <summary>A new set of this operating system's adapters (Linux, macOS or Windows).</summary>
    /// <exception cref="PlatformNotSupportedException">Not Linux, macOS or Windows.</exception>
    public static DaemonPorts Create()
    {
        IDirectories directories = OperatingSystem.IsWindows() ? new WindowsDirectories() : new UnixDirectories();
        return new(
            LockFiles: CreateLockFiles(),
            Processes: OperatingSystem.IsWindows() ? new WindowsProcessTable() : new UnixProcessTable(),
            Directories: directories,
            Signals: new PosixSignals(),
            ProcessSignals: OperatingSystem.IsWindows() ? new WindowsProcessSignals() : new UnixProcessSignals(),
            Exit: new EnvironmentProcessExit(),
            Runtime: new OsRuntimeEnvironment(),
            Transport: new EndpointTransport(),
            SystemdEnvironment: new SystemdEnvironment(),
            SystemdNotifySocket: new SystemdNotifySocket(),
            Time: TimeProvider.System,
            Launcher: new DetachedProcessLauncher(),
            LogFiles: OperatingSystem.IsWindows() ? new WindowsLogFiles() : new UnixLogFiles(directories));
    }

    private static ILockFiles CreateLockFiles() =>
        OperatingSystem.IsLinux() ? new OfdLockFiles()
        : OperatingSystem.IsMacOS() ? new FlockSidecarLockFiles()
        : OperatingSystem.IsWindows() ? new ExclusiveHandleLockFiles()
        : throw new PlatformNotSupportedException("Outfitter.Daemon locking supports Linux, macOS and Windows.");
}
