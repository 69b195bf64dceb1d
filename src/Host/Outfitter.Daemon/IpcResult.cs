using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Outfitter.Daemon;

/// <summary>How a fast-path handler answered. Immutable.</summary>
public readonly struct IpcResult
{
    private IpcResult(int kind, string? message, string? code, Task<IpcReply>? pending)
    {
        Kind = kind;
        Message = message;
        Code = code;
        PendingReply = pending;
    }

    internal int Kind { get; }

    internal string? Message { get; }

    internal string? Code { get; }

    internal Task<IpcReply>? PendingReply { get; }

    /// <summary>The result JSON was written to <see cref="IpcRequest.Result"/>.</summary>
    public static IpcResult Written => new(0, null, null, null);

    /// <summary>Answer with an error reply.</summary>
    public static IpcResult Error(string message, string? code = null) => new(1, message, code, null);

    /// <summary>The answer comes later; the server replies when the task completes (replies may be out of order).</summary>
    public static IpcResult Pending(Task<IpcReply> reply) => new(2, null, null, reply ?? throw new ArgumentNullException(nameof(reply)));
}
