using System.Reflection;
using Outfitter.Daemon.Core.Lifecycle;
using Outfitter.Daemon.Core.Paths;

namespace Outfitter.Daemon.Hosting;

/// <summary>
/// Options of a <see cref="DaemonHost"/>: one daemon with its lock, IPC server and health checks. The host validates
/// them (all of them, listing every problem) and copies them once, when it is created; it never writes to them.
/// Through dependency injection they are <c>IOptions&lt;DaemonHostOptions&gt;</c>, bound from the configuration section
/// <see cref="SectionName"/> (appsettings.json, environment variables such as <c>Outfitter__Daemon__Name</c>, the
/// command line), then changed by the delegate given to <c>AddOutfitterDaemon</c>, and validated when the host starts.
/// </summary>
public sealed class DaemonHostOptions
{
    /// <summary>The default daemon name.</summary>
    public const string DefaultName = "outfitter-daemon";

    /// <summary>The configuration section the options are bound from: <c>Outfitter:Daemon</c>.</summary>
    public const string SectionName = "Outfitter:Daemon";

    /// <summary>The daemon's name; also the tool name for <see cref="DaemonPaths"/> (default <c>outfitter-daemon</c>).</summary>
    public string Name { get; set; } = DefaultName;

    /// <summary>The IPC endpoint; default <c>DaemonPaths.GetSocketPath(Name)</c>.</summary>
    public string? SocketPath { get; set; }

    /// <summary>
    /// The lock file, which is also the PID file (its first line is the PID); default <c>DaemonPaths.GetLockPath(Name)</c>.
    /// </summary>
    public string? LockPath { get; set; }

    /// <summary>
    /// How long the stop sequence (closing the IPC server, then the shutdown handlers) may take in total. Null (the
    /// default) means 5 s for a daemon of its own, and the Generic Host's <c>HostOptions.ShutdownTimeout</c> for a hosted
    /// one (<see cref="OutfitterDaemonBuilder.AsHostedService"/>); a hosted daemon's budget never exceeds the host's.
    /// </summary>
    public TimeSpan? ShutdownTimeout { get; set; }

    /// <summary>Whether SIGTERM/SIGINT/SIGQUIT stop the daemon (default true; a Generic Host handles them itself).</summary>
    public bool HandleSignals { get; set; } = true;

    /// <summary>Whether a signal-initiated stop ends the process with the documented exit code (default true).</summary>
    public bool ExitOnSignal { get; set; } = true;

    /// <summary>
    /// Stop gracefully (as a <c>shutdown</c> request would: exit code 0, PID and socket files removed) once the daemon
    /// has been idle this long: no new connection and no request received or answered, while no request is in flight
    /// and no connection holds a lease (<c>{"type":"lease"}</c>, held until that connection closes). An open connection
    /// that is silent and holds no lease does not keep the daemon alive. Checked every tenth of the timeout (at least
    /// 10 ms, at most 5 s apart), so the stop comes at most that much after the timeout. Null (the default): never.
    /// From configuration: <c>"IdleTimeout": "00:15:00"</c>.
    /// </summary>
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>
    /// Stop gracefully when the process that started this one exits (its parent when the daemon starts; checked every
    /// second). For a daemon an editor or a CLI spawns as its child; a detached daemon's parent is gone at once, so give
    /// it <see cref="ExitWithPid"/> instead. Default false.
    /// </summary>
    public bool ExitWithParent { get; set; }

    /// <summary>
    /// Stop gracefully when the process with this PID exits (checked every second; a PID reused by another process
    /// counts as exited once its start time differs). Null (the default): no such watch.
    /// </summary>
    public int? ExitWithPid { get; set; }

    /// <summary>The systemd integration: readiness, status, watchdog, socket activation (active only under systemd).</summary>
    public SystemdOptions Systemd { get; set; } = new();

    /// <summary>Options of the IPC server.</summary>
    public IpcServerOptions Ipc { get; set; } = new();

    /// <summary>The version <c>status</c> reports (default: the entry assembly's informational version).</summary>
    public string Version { get; set; } = DefaultVersion();

    /// <summary>
    /// The build the daemon reports in its <c>hello</c> answer (default: <see cref="DaemonIdentity.BuildOf"/> of the entry
    /// assembly, which differs between two builds of different code). Clients compare it to restart a daemon after an
    /// upgrade (<c>ConnectOrStartOptions.Expect</c>).
    /// </summary>
    public string Build { get; set; } = DefaultBuild();

    /// <summary>
    /// A hash of the options the daemon runs with, reported in its <c>hello</c> answer, for clients that restart a
    /// daemon started with other options (<c>DaemonExpectation.OptionsHash</c>); null (default) for none. Any text.
    /// </summary>
    public string? OptionsHash { get; set; }

    /// <summary>Every problem with these options (including <see cref="Ipc"/> and <see cref="Systemd"/>), each saying what to fix; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!ToolName.TryParse(Name, out _, out var nameError))
            problems.Add($"Name: {nameError.Message}");
        if (SocketPath is { } socket && string.IsNullOrWhiteSpace(socket))
            problems.Add("SocketPath is blank: leave it null for the default, or give a path.");
        if (LockPath is { } lockPath && string.IsNullOrWhiteSpace(lockPath))
            problems.Add("LockPath is blank: leave it null for the default, or give a path.");
        problems.AddRange(OptionRules.Validate(Name, LockPath ?? "default", ShutdownTimeout ?? OptionRules.DefaultShutdownTimeout).Filter(p => !p.StartsWith("Name", StringComparison.Ordinal)));
        problems.AddRange(OptionRules.ValidateIdle(IdleTimeout, ExitWithPid));
        if (Ipc is null)
            problems.Add("Ipc is null: leave it at its default, or set an IpcServerOptions.");
        else
            problems.AddRange(OptionRules.Nested("Ipc", LanguageExt.Prelude.toSeq(Ipc.Validate())));
        if (Systemd is null)
            problems.Add("Systemd is null: leave it at its default, or set a SystemdOptions.");
        else
            problems.AddRange(OptionRules.Nested("Systemd", OptionRules.ValidateSystemd(Systemd.StatusInterval)));
        if (Version is null)
            problems.Add("Version is null: leave it at its default, or give a version string.");
        if (string.IsNullOrWhiteSpace(Build))
            problems.Add("Build is blank: leave it at its default, or give a build identifier.");
        return problems;
    }

    private static string DefaultBuild() =>
        DaemonIdentity.BuildOf(Assembly.GetEntryAssembly() ?? typeof(DaemonHostOptions).Assembly);

    private static string DefaultVersion() =>
        Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(DaemonHostOptions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? "0.0.0";
}
