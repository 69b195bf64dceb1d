using Outfitter.Daemon.Adapters.Directories;
using Outfitter.Daemon.Adapters.FileLocks;
using Outfitter.Daemon.Adapters.Platform;
using Outfitter.Daemon.Adapters.NamedPipes;
using Outfitter.Daemon.Adapters.Processes;
using Outfitter.Daemon.Adapters.UnixSockets;
using Outfitter.Daemon.Core.Ipc;
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

    internal static ILockFiles LockFiles => LockFilesInstance.Value;

    internal static IProcessTable ProcessTable => ProcessTableInstance.Value;

    internal static IDirectories Directories => DirectoriesInstance.Value;

    internal static IRuntimeEnvironment RuntimeEnvironment { get; } = new OsRuntimeEnvironment();

    internal static OsFamily Os => OsRuntimeEnvironment.CurrentOs;

    internal static uint UserId => RuntimeEnvironment.Observe().UserId;

    internal static IIpcTransport UnixSockets { get; } = new UnixSocketTransport();

    internal static IIpcTransport NamedPipes { get; } = new NamedPipeTransport();

    /// <summary>The transport an endpoint's form asks for: <c>\\.\pipe\name</c> is a named pipe, anything else a Unix socket.</summary>
    internal static IIpcTransport TransportFor(string endpoint) => SocketPaths.IsNamedPipe(endpoint) ? NamedPipes : UnixSockets;

    private static ILockFiles CreateLockFiles() =>
        OperatingSystem.IsLinux() ? new OfdLockFiles()
        : OperatingSystem.IsMacOS() ? new FlockSidecarLockFiles()
        : OperatingSystem.IsWindows() ? new ExclusiveHandleLockFiles()
        : throw Unsupported();

    private static IProcessTable CreateProcessTable() =>
        OperatingSystem.IsWindows() ? new WindowsProcessTable() : new UnixProcessTable();

    private static IDirectories CreateDirectories() =>
        OperatingSystem.IsWindows() ? new WindowsDirectories() : new UnixDirectories();

    private static PlatformNotSupportedException Unsupported() =>
        new("Outfitter.Daemon locking supports Linux, macOS and Windows.");
}
