using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Testing;

namespace Outfitter.Daemon.Core.Tests;

/// <summary>
/// The testing kit's fakes implement the ports explicitly (their public surface is what a test configures and inspects);
/// a test that drives a fake as the port itself, as the code under test would, names the port with these.
/// </summary>
internal static class PortViews
{
    public static IIpcTransport AsTransport(this InMemoryTransport transport) => transport;

    public static ILockFiles AsLockFiles(this FakeOs.ProcessView process) => process;

    public static IProcessTable AsProcessTable(this FakeOs.ProcessView process) => process;

    public static IDirectories AsDirectories(this FakeOs.ProcessView process) => process;

    public static IProcessSignals AsSignals(this FakeOs.ProcessView process) => process;

    public static ILogFiles AsLogFiles(this FakeOs.ProcessView process) => process;
}
