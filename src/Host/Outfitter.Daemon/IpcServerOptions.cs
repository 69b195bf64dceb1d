using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Lifecycle;

namespace Outfitter.Daemon;

/// <summary>
/// Options of an <see cref="IpcServer"/>. The server copies and validates them once, when it is created; changing them
/// afterwards has no effect on it, and the server never writes to them.
/// </summary>
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
    /// After this many connections have closed without a garbage collection in between, the server asks for a full
    /// compacting collection (default 1024; 0 turns it off). Connection churn leaves almost only garbage, and the
    /// non-concurrent workstation GC then lets generation 0 grow to tens of MiB before it collects, which shows as RSS
    /// climbing by that much; collecting a heap that is nearly all dead takes about a millisecond. See
    /// docs/adr/0007.
    /// </summary>
    public int CollectAfterClosedConnections { get; set; } = 1024;

    /// <summary>Every problem with these options, each saying what to fix; empty when valid.</summary>
    public IReadOnlyList<string> Validate() =>
        [.. OptionRules.ValidateIpcServer(MaxLineBytes, MaxConcurrentRequestsPerConnection, MaxConnections, CloseTimeout, CollectAfterClosedConnections)];
}
