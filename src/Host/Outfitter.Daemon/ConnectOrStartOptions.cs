using LanguageExt;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Locking;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon;

/// <summary>Options of <see cref="DaemonClient.ConnectOrStartAsync(string, DaemonStartInfo, ConnectOrStartOptions?, CancellationToken)"/>.</summary>
public sealed class ConnectOrStartOptions
{
    /// <summary>The endpoint; default <c>DaemonPaths.GetSocketPath(name)</c>.</summary>
    public string? SocketPath { get; set; }

    /// <summary>The lock file that elects the one client that starts the daemon; default the daemon's lock file + <c>.spawn</c> (<c>daemon.lock.spawn</c>).</summary>
    public string? SpawnLockPath { get; set; }

    /// <summary>
    /// How long starting the daemon and waiting for it may take in all (default 30 s): the whole call ends by this
    /// deadline. Every connect attempt inside it, with the retries of <see cref="IpcClientOptions.ConnectTimeout"/>, is
    /// bounded to what is left of it; a call that runs out of time fails with
    /// <see cref="DaemonConnectionError.ConnectionTimeoutError"/> (or, when it started the daemon and that one did not
    /// answer in time, stops it and fails with <see cref="DaemonConnectionError.StartFailedError"/>).
    /// </summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Options of the returned client (its request timeout, …).</summary>
    public IpcClientOptions Client { get; set; } = new();
}
