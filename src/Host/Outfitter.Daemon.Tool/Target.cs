using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Hosting;

namespace Outfitter.Daemon.Tool;

/// <summary>Which daemon a command talks to: by <c>--name</c> (resolved with <see cref="DaemonPaths"/>) or by <c>--socket</c>.</summary>
/// <param name="Name">The daemon name (default <c>outfitter-daemon</c>).</param>
/// <param name="SocketPath">The IPC endpoint.</param>
/// <param name="LockPath">The lock (PID) file.</param>
/// <param name="LogPath">Where a started daemon logs (<c>daemon.log</c>, rotated: <c>daemon.log.1</c>, …).</param>
/// <param name="NameGiven">Whether <c>--name</c> was given (else only <c>--socket</c>, or the default).</param>
public sealed record Target(string Name, string SocketPath, string LockPath, string LogPath, bool NameGiven)
{
    /// <summary>Where a started daemon's stdout and stderr go (<c>daemon.out</c> beside its log): start-up crashes, READY.</summary>
    public string OutPath => System.IO.Path.ChangeExtension(LogPath, ".out");

    /// <summary>Resolves the target of <paramref name="line"/>; the error is a user-facing sentence.</summary>
    public static (Target? Target, string? Error) From(CommandLine line)
    {
        var name = line.Value("--name") ?? DaemonHostOptions.DefaultName;
        var socket = line.Value("--socket");
        if (socket is not null && line.Value("--name") is null)
        {
            // A bare socket: its lock and log live beside it, so daemons on different sockets never collide.
            var valid = SocketPaths.IsNamedPipe(socket) ? LanguageExt.Prelude.Right<string, string>(socket) : SocketPaths.ValidateUnix(socket, Composition.OsPorts.Os);
            if (valid.IsLeft)
                return (null, valid.Match(_ => "", e => $"--socket {socket}: {e}."));
            var basePath = SocketPaths.IsNamedPipe(socket) ? Path.Combine(TempDir(), SocketPaths.PipeName(socket)) : socket;
            return (new Target(name, socket, basePath + ".lock", basePath + ".log", false), null);
        }

        var resolved = DaemonPaths.Resolve(name);
        return resolved.Match<(Target?, string?)>(
            paths => (new Target(name, socket ?? paths.SocketPath, paths.LockPath, Path.Combine(paths.DaemonDir, "daemon.log"), line.Value("--name") is not null), null),
            e => (null, e.Message));
    }

    /// <summary>The temp directory as the composition root's environment reports it (where Windows keeps daemon files).</summary>
    private static string TempDir()
    {
        var facts = Composition.OsPorts.Current.Runtime.Observe();
        return facts.TempVariable.Filter(t => t.Length > 0).IfNone(facts.SystemTempDir);
    }
}
