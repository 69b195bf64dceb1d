using Outfitter.Daemon.Adapters;
using Outfitter.Daemon.Core.Paths;
using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon.Composition;

/// <summary>
/// The composition root: the one place outside the adapters package that picks this operating system's adapters. The
/// static facades (<see cref="DaemonPaths"/>, <see cref="DaemonLock"/>, <see cref="IpcClient.Create"/>, …) and the
/// hosting package's defaults use <see cref="Current"/>; everything else takes its ports as parameters.
/// </summary>
public static class OsPorts
{
    private static readonly Lazy<DaemonPorts> Instance = new(OsAdapters.Create);

    /// <summary>This operating system's ports, created once.</summary>
    public static DaemonPorts Current => Instance.Value;

    /// <summary>This operating system's family.</summary>
    public static OsFamily Os => Current.Runtime.Observe().Os;

    /// <summary>The current user's id (0 on Windows).</summary>
    public static uint UserId => Current.Runtime.Observe().UserId;
}
