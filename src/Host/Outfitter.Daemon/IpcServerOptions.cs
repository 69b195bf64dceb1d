using Microsoft.Extensions.Logging;
using Outfitter.Daemon.Core.Ipc;

namespace Outfitter.Daemon;

/// <summary>Options of an <see cref="IpcServer"/>.</summary>
public sealed class IpcServerOptions
{
    /// <summary>The longest request line in bytes (default 4 MiB). A longer line gets one FRAME_TOO_LARGE reply and the connection is closed.</summary>
    public int MaxLineBytes { get; set; } = LineFraming.DefaultMaxLineBytes;

    /// <summary>How many requests of one connection may be in progress at once (default 256); reading pauses beyond that.</summary>
    public int MaxConcurrentRequestsPerConnection { get; set; } = 256;

    /// <summary>
    /// The most connections held open at once; further clients wait in the backlog until one closes. Null (default):
    /// the process's descriptor limit minus a reserve of an eighth of it, at least 32 (unlimited without a limit), so
    /// the server never takes the descriptors the runtime and your code need.
    /// </summary>
    public int? MaxConnections { get; set; }

    /// <summary>How long <see cref="IpcServer.CloseAsync"/> lets in-flight handlers finish (default 5 s) before answering them with an error.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether other users may connect (default false: Linux checks the peer's uid with SO_PEERCRED; root is always allowed).</summary>
    public bool AllowOtherUsers { get; set; }

    /// <summary>
    /// A listening socket passed by the service manager (systemd socket activation) to adopt instead of binding; the
    /// socket file is then systemd's and is not deleted on close. Usually set for you by <c>DaemonHost</c> (Outfitter.Daemon.Hosting).
    /// </summary>
    public int? ListenFd { get; set; }

    /// <summary>Where connection problems are logged; none when null.</summary>
    public ILogger? Logger { get; set; }

    /// <summary>
    /// After this many connections have closed without a garbage collection in between, the server asks for a full
    /// compacting collection (default 1024; 0 turns it off). Connection churn leaves almost only garbage, and the
    /// non-concurrent workstation GC then lets generation 0 grow to tens of MiB before it collects, which shows as RSS
    /// climbing by that much; collecting a heap that is nearly all dead takes about a millisecond. See
    /// docs/adr/0007.
    /// </summary>
    public int CollectAfterClosedConnections { get; set; } = 1024;

    /// <summary>The clock for the server's pauses (the accept back-off); tests pass a fake.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Problems with these options; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MaxLineBytes < 64)
            problems.Add($"MaxLineBytes is {MaxLineBytes}; use at least 64 bytes (default 4 MiB).");
        if (MaxConcurrentRequestsPerConnection < 1)
            problems.Add($"MaxConcurrentRequestsPerConnection is {MaxConcurrentRequestsPerConnection}; use at least 1.");
        if (CollectAfterClosedConnections < 0)
            problems.Add($"CollectAfterClosedConnections is {CollectAfterClosedConnections}; use 0 (off) or more.");
        if (MaxConnections is < 1)
            problems.Add($"MaxConnections is {MaxConnections}; use at least 1, or null for the automatic limit.");
        if (CloseTimeout < TimeSpan.Zero)
            problems.Add($"CloseTimeout is {CloseTimeout}; it must not be negative.");
        return problems;
    }
}
