using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using LanguageExt;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Ports;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon;

/// <summary>Options of an <see cref="IpcClient"/>.</summary>
public sealed class IpcClientOptions
{
    /// <summary>
    /// Null (default): <see cref="IpcClient.ConnectAsync"/> fails at once when nothing listens, as the reference does.
    /// Set: it retries with exponential backoff and jitter while the socket is missing or refusing (the daemon may be
    /// starting) until this deadline, then gives <see cref="DaemonConnectionError.ConnectionTimeoutError"/>.
    /// </summary>
    public TimeSpan? ConnectTimeout { get; set; }

    /// <summary>How long a request may wait for its reply (default 30 s; <see cref="Timeout.InfiniteTimeSpan"/> for no limit).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest reply line accepted (default 64 MiB).</summary>
    public int MaxReplyBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>
    /// The daemon's lock file, used to tell a stale socket (its daemon is dead) from one that is starting. Default:
    /// <c>daemon.lock</c> beside a socket named <c>daemon.sock</c>.
    /// </summary>
    public string? LockPath { get; set; }

    /// <summary>
    /// The clock for timeouts and backoff (tests pass a fake); null (default): the operating system's clock, or, for the
    /// client that <see cref="DaemonClient.ConnectOrStartAsync(DaemonPorts, string, DaemonStartInfo, ConnectOrStartOptions?, CancellationToken)"/>
    /// builds, the clock of its ports (<see cref="DaemonPorts.Time"/>).
    /// </summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>
    /// Whether the client sends the <c>hello</c> handshake on every connect (default true), so
    /// <see cref="IpcClient.Server"/> says which protocol, version and build the daemon has. It costs one round trip; a
    /// server that does not know it (the TypeScript reference) is treated as protocol 1, never as an error. Turn it off
    /// for a server whose handler must see only your own messages.
    /// </summary>
    public bool Handshake { get; set; } = true;

    /// <summary>How the client introduces itself in <c>hello</c> (<c>"name/version"</c>); null for the entry assembly's.</summary>
    public string? ClientName { get; set; }

    /// <summary>
    /// Whether the client asks for a lease on every connect (default false): while the connection stays open, a daemon
    /// with an idle timeout does not exit. Needs the handshake, and a daemon that announces the <c>idle</c> capability;
    /// <see cref="IpcClient.HoldsLease"/> says whether it was granted.
    /// </summary>
    public bool HoldLease { get; set; }

    /// <summary>
    /// These options with <paramref name="time"/> as the clock unless <see cref="TimeProvider"/> is set: a copy, so
    /// nothing is written into a caller's options (itself when it names a clock already).
    /// </summary>
    internal IpcClientOptions WithDefaultTime(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (TimeProvider is not null)
            return this;
        var copy = (IpcClientOptions)MemberwiseClone();
        copy.TimeProvider = time;
        return copy;
    }
}
