namespace Outfitter.Daemon.Core.Ipc;

/// <summary>Why a read or write on an IPC stream failed: the transport's own error code, translated from the OS's.</summary>
public enum StreamFailure : byte
{
    /// <summary>Not classified (also the value of a default <see cref="StreamRead"/> or <see cref="StreamWrite"/>).</summary>
    Unknown = 0,

    /// <summary>The peer reset the connection (it closed with data unread, or its process died): <c>ECONNRESET</c>.</summary>
    Reset,

    /// <summary>The peer no longer reads: it closed, or shut its reading side (a server that is stopping): <c>EPIPE</c>.</summary>
    BrokenPipe,

    /// <summary>This side closed the stream (it was disposed while the operation ran, or before).</summary>
    Closed,

    /// <summary>Any other I/O error.</summary>
    Other,
}

/// <summary>Human-readable descriptions of <see cref="StreamFailure"/> for error messages.</summary>
public static class StreamFailures
{
    /// <summary>What happened, e.g. "the connection was reset by the peer".</summary>
    public static string Describe(StreamFailure failure) => failure switch
    {
        StreamFailure.Reset => "the connection was reset by the peer",
        StreamFailure.BrokenPipe => "the peer no longer reads (broken pipe)",
        StreamFailure.Closed => "the connection was closed on this side",
        StreamFailure.Other => "an I/O error occurred",
        StreamFailure.Unknown => "the transport reported an unknown failure",
        _ => "the transport reported an unknown failure",
    };
}
