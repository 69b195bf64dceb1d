namespace Outfitter.Daemon;

/// <summary>
/// How a fast-path handler answered: <see cref="Written"/>, <see cref="Error"/> or <see cref="Pending"/>. Immutable; a
/// struct, so answering allocates nothing. <c>default(IpcResult)</c> is none of these: the server answers a handler that
/// returns it with an <c>INTERNAL_ERROR</c> reply (a bug in the handler, not a success).
/// </summary>
public readonly struct IpcResult
{
    private IpcResult(IpcResultKind kind, string? message, string? code, Task<IpcReply>? pending)
    {
        Kind = kind;
        Message = message;
        Code = code;
        PendingReply = pending;
    }

    internal IpcResultKind Kind { get; }

    internal string? Message { get; }

    internal string? Code { get; }

    internal Task<IpcReply>? PendingReply { get; }

    /// <summary>The result JSON was written to <see cref="IpcRequest.Result"/>.</summary>
    public static IpcResult Written => new(IpcResultKind.Written, null, null, null);

    /// <summary>Answer with an error reply.</summary>
    public static IpcResult Error(string message, string? code = null) => new(IpcResultKind.Error, message ?? throw new ArgumentNullException(nameof(message)), code, null);

    /// <summary>The answer comes later; the server replies when the task completes (replies may be out of order).</summary>
    public static IpcResult Pending(Task<IpcReply> reply) => new(IpcResultKind.Pending, null, null, reply ?? throw new ArgumentNullException(nameof(reply)));
}

/// <summary>The closed set of handler answers; 0 is <see cref="Unset"/>, so <c>default(IpcResult)</c> is never a success.</summary>
internal enum IpcResultKind : byte
{
    /// <summary><c>default(IpcResult)</c>: the handler did not say how it answered.</summary>
    Unset = 0,

    /// <summary><see cref="IpcResult.Written"/>.</summary>
    Written,

    /// <summary><see cref="IpcResult.Error"/>.</summary>
    Error,

    /// <summary><see cref="IpcResult.Pending"/>.</summary>
    Pending,
}
