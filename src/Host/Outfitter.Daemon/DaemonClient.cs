using LanguageExt;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Locking;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon;

/// <summary>Clients that find their daemon, or start it: the pattern of watchman, Bazel's server or eslint_d.</summary>
public static class DaemonClient
{
    /// <summary>
    /// Connects to the daemon <paramref name="name"/>; if none runs (or its socket is stale), starts it detached with
    /// <paramref name="start"/>, waits until it answers, and connects. When many clients do this at once, one lock file
    /// (the daemon's lock file + <c>.spawn</c>) elects the one that starts it; the others wait for it. If the daemon exits
    /// during start-up the error carries its exit code and the last lines of its log.
    /// </summary>
    /// <returns>A connected client (the caller disposes it) and whether this call started the daemon.</returns>
    public static async Task<Either<DaemonConnectionError, (IpcClient Client, bool Started)>> ConnectOrStartAsync(
        string name, DaemonStartInfo start, ConnectOrStartOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(start);
        options ??= new ConnectOrStartOptions();
        var resolved = DaemonPaths.Resolve(name);
        if (resolved.IsFailure)
            return new DaemonConnectionError.ProtocolError(resolved.Match(_ => "", e => e.Message));
        var paths = resolved.Match(p => p, _ => throw new InvalidOperationException());
        var socket = options.SocketPath ?? paths.SocketPath;
        var spawnLock = options.SpawnLockPath ?? paths.LockPath + ".spawn";
        var logPath = start.LogPath ?? Path.Combine(Path.GetDirectoryName(paths.LockPath)!, "daemon.log");
        var deadline = DateTime.UtcNow + options.StartTimeout;

        var client = IpcClient.Create(socket, options.Client);
        if ((await client.ConnectAsync(cancellationToken).ConfigureAwait(false)).IsRight)
            return (client, false);

        IpcClient? waiting = null;
        var lastFailure = Option<DaemonConnectionError>.None;
        try
        {
            return await ElectAndStartAsync().ConfigureAwait(false);
        }
        finally
        {
            waiting?.Close();
        }

        async Task<Either<DaemonConnectionError, (IpcClient Client, bool Started)>> ElectAndStartAsync()
        {
            while (true)
            {
                var remaining = deadline - DateTime.UtcNow;
                if (remaining <= TimeSpan.Zero)
                    return new DaemonConnectionError.ConnectionTimeoutError((long)options.StartTimeout.TotalMilliseconds, $"start {name}", RequestSent: false, lastFailure);

                var elected = DaemonLockService.Os.Acquire(spawnLock);

                // Only "someone else holds it" means someone else is starting it. If the election file cannot be used at all,
                // start the daemon anyway: its own lock still prevents two copies, and its failure says what is wrong.
                var anotherStarter = elected.Match(_ => false, e => e.Code == LockErrorCode.AlreadyLocked);
                if (!anotherStarter)
                {
                    using var spawner = elected.MatchUnsafe<LockHandle?>(h => h, _ => null);

                    // Someone may have finished starting it between our first attempt and our election.
                    if ((await client.ConnectAsync(cancellationToken).ConfigureAwait(false)).IsRight)
                        return (client, false);

                    using var daemon = DaemonLauncher.StartDetached(start, logPath);
                    var ready = await DaemonLauncher.WaitUntilReadyAsync(socket, daemon, logPath, remaining, cancellationToken).ConfigureAwait(false);
                    if (ready.IsLeft)
                        return ready.Match(_ => throw new InvalidOperationException(), e => Left<DaemonConnectionError, (IpcClient, bool)>(e));
                    await ready.Match(c => c.DisposeAsync(), _ => ValueTask.CompletedTask).ConfigureAwait(false);
                    var connected = await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
                    return connected.Map(_ => (client, true));
                }

                // Another client is starting it: wait for it to answer through the retrying connect pipeline, then look at
                // the election again (if that client failed, the election is free and this one may start it).
                waiting ??= IpcClient.Create(socket, new IpcClientOptions { ConnectTimeout = WaitSlice });
                var waited = await waiting.ConnectAsync(cancellationToken).ConfigureAwait(false);
                waited.IfLeft(error => lastFailure = error is DaemonConnectionError.ConnectionTimeoutError { LastFailure.IsSome: true } timeout ? timeout.LastFailure : Some(error));
                if (waited.IsRight)
                {
                    waiting.Close();
                    if ((await client.ConnectAsync(cancellationToken).ConfigureAwait(false)).IsRight)
                        return (client, false);
                }
        }
        }
    }

    private static readonly TimeSpan WaitSlice = TimeSpan.FromSeconds(2);
}
