using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon.Testing;

/// <summary>
/// Every port faked at once, for one simulated process: the in-memory OS, transport, signals, exit, clock and systemd.
/// <see cref="AddTo"/> registers them in a container before <c>AddOutfitterDaemon</c>, so the real composition runs over
/// the fakes. <c>$XDG_RUNTIME_DIR</c> is <see cref="RuntimeDir"/>.
/// </summary>
public sealed class FakeMachine
{
    /// <summary>The runtime directory the fake environment reports.</summary>
    public const string RuntimeDir = "/run/test";

    /// <summary>Creates the fakes; the simulated process has <paramref name="pid"/> (default: this test process's PID).</summary>
    public FakeMachine(int? pid = null)
    {
        Process = Os.Start(pid ?? Environment.ProcessId);
        Launcher = new FakeLauncher(Os);
    }

    /// <summary>
    /// Creates the fakes with the simulated process started as a child of <paramref name="parentPid"/>, which is started
    /// too (<c>Os.Crash(parentPid)</c> ends it, and the process is re-parented to PID 1); the process has
    /// <paramref name="pid"/> (default: this test process's PID).
    /// </summary>
    public static FakeMachine ChildOf(int parentPid, int? pid = null) => new(pid ?? Environment.ProcessId, parentPid);

    private FakeMachine(int pid, int parentPid)
    {
        Os.Start(parentPid);
        Process = Os.Start(pid, parentPid);
        Launcher = new FakeLauncher(Os);
    }

    /// <summary>The shared in-memory OS (files, locks, processes).</summary>
    public FakeOs Os { get; } = new();

    /// <summary>The daemon's own process on <see cref="Os"/>.</summary>
    public FakeOs.ProcessView Process { get; }

    /// <summary>The IPC transport.</summary>
    public InMemoryTransport Transport { get; } = new();

    /// <summary>Stop signals.</summary>
    public FakeSignals Signals { get; } = new();

    /// <summary>Recorded exits.</summary>
    public FakeProcessExit Exit { get; } = new();

    /// <summary>Starting daemons: spawns simulated processes on <see cref="Os"/>.</summary>
    public FakeLauncher Launcher { get; }

    /// <summary>The clock.</summary>
    public FakeTimeProvider Time { get; } = new();

    /// <summary>systemd's variables and the notifications sent to it.</summary>
    public FakeSystemd Systemd { get; } = new();

    /// <summary>The environment the fake runtime reports: Linux, uid 1000, <c>$XDG_RUNTIME_DIR</c> = <see cref="RuntimeDir"/>.</summary>
    public FakeRuntimeEnvironment Runtime { get; } = new() { XdgRuntimeDir = RuntimeDir };

    /// <summary>Every fake as one port set, for the facade's and hosting's constructors.</summary>
    public DaemonPorts Ports => new(Process, Process, Process, Signals, Process, Exit, Runtime, Transport, Systemd, Systemd, Time, Launcher, Process);

    /// <summary>Registers every fake as the port it implements.</summary>
    public IServiceCollection AddTo(IServiceCollection services)
    {
        services.AddSingleton<ILockFiles>(Process);
        services.AddSingleton<IProcessTable>(Process);
        services.AddSingleton<IDirectories>(Process);
        services.AddSingleton<IProcessSignals>(Process);
        services.AddSingleton<IRuntimeEnvironment>(Runtime);
        services.AddSingleton<IIpcTransport>(Transport);
        services.AddSingleton<ISignalSource>(Signals);
        services.AddSingleton<IProcessExit>(Exit);
        services.AddSingleton<TimeProvider>(Time);
        services.AddSingleton<ISystemdEnvironment>(Systemd);
        services.AddSingleton<ISystemdNotifySocket>(Systemd);
        services.AddSingleton<IDaemonLauncher>(Launcher);
        services.AddSingleton<ILogFiles>(Process);
        return services;
    }
}
