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

    /// <summary>
    /// What the running daemon must be (version, build, options hash), compared with its <c>hello</c> answer; null
    /// (default) expects nothing. What happens when it differs is <see cref="OnMismatch"/>. A daemon that does not answer
    /// the handshake (protocol 1) differs from any expectation.
    /// </summary>
    public DaemonExpectation? Expect { get; set; }

    /// <summary>
    /// What to do when the running daemon is not the one <see cref="Expect"/> describes: accept it (default), fail with
    /// <see cref="DaemonConnectionError.DaemonMismatchError"/>, or restart it (a graceful stop, then a start; one of
    /// several racing clients restarts it, the others wait and connect to the new daemon).
    /// </summary>
    public DaemonMismatchPolicy OnMismatch { get; set; } = DaemonMismatchPolicy.Accept;
}
