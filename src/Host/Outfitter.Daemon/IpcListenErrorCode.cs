using Microsoft.Extensions.Logging;
using Outfitter.Daemon.Core.Ipc;

namespace Outfitter.Daemon;

/// <summary>Why <see cref="IpcServer.ListenAsync"/> failed.</summary>
public enum IpcListenErrorCode
{
    /// <summary>Another server answers at the path: it is never taken over.</summary>
    AlreadyListening,

    /// <summary>Something that is not a socket is at the path: it is never deleted.</summary>
    NotASocket,

    /// <summary>The path is unusable (empty, too long for a Unix socket).</summary>
    InvalidPath,

    /// <summary>The operating system refused.</summary>
    Io,
}
