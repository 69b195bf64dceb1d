namespace Outfitter.Daemon.Core.Ipc;

/// <summary>The <c>code</c> values our servers put in error replies' payloads (the reference sends only <c>message</c>).</summary>
public static class IpcErrorCodes
{
    /// <summary>The line was not a valid request (invalid UTF-8 or JSON, not an object, missing or non-string id, wrong type).</summary>
    public const string ProtocolError = "PROTOCOL_ERROR";

    /// <summary>The line exceeded the server's limit; the connection is closed after this reply.</summary>
    public const string FrameTooLarge = "FRAME_TOO_LARGE";

    /// <summary>The handler threw or returned an error.</summary>
    public const string HandlerError = "HANDLER_ERROR";

    /// <summary>
    /// The server is stopping and did not execute the request (it arrived after the stop began, or was still in the
    /// connection's queue): safe to send again, to the next daemon.
    /// </summary>
    public const string ShuttingDown = "SHUTTING_DOWN";

    /// <summary>
    /// The server stopped while the request's handler was still running and did not wait longer (its close timeout
    /// ran out): the handler may or may not have taken effect.
    /// </summary>
    public const string Interrupted = "INTERRUPTED";

    /// <summary>
    /// The handler returned no answer (<c>default(IpcResult)</c>, a bug in the handler): whether it took effect is
    /// unknown. The connection stays open.
    /// </summary>
    public const string InternalError = "INTERNAL_ERROR";

    /// <summary>The request's type is not one the server handles.</summary>
    public const string UnknownType = "UNKNOWN_TYPE";

    /// <summary>The peer runs as another user and the server does not accept other users.</summary>
    public const string PermissionDenied = "PERMISSION_DENIED";

    /// <summary>The request was cancelled (by a <c>cancel</c> message, or the client gave up on it); it may have had effects.</summary>
    public const string Cancelled = "CANCELLED";

    /// <summary>A streamed request was refused: the connection already has its maximum of open streams.</summary>
    public const string TooManyStreams = "TOO_MANY_STREAMS";

    /// <summary>An event exceeded the per-event size limit; the stream ends with this error.</summary>
    public const string EventTooLarge = "EVENT_TOO_LARGE";

    /// <summary>The client did not read its replies and events for too long; the server closed its connection.</summary>
    public const string SlowConsumer = "SLOW_CONSUMER";
}
