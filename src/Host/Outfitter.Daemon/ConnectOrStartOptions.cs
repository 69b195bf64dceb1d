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

    /// <summary>How long starting the daemon and waiting for it may take in all (default 30 s).</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Options of the returned client (its request timeout, …).</summary>
    public IpcClientOptions Client { get; set; } = new();
}
