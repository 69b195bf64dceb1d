using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Outfitter.Daemon;

/// <summary>
/// One request as the fast-path handler sees it: raw JSON spans into the server's receive buffer, valid only while the
/// handler runs synchronously. A handler that goes asynchronous copies what it needs first (for example with
/// <see cref="ParsePayload"/>) and returns <see cref="IpcResult.Pending"/>.
/// </summary>
public readonly ref struct IpcRequest
{
    internal IpcRequest(ReadOnlySpan<byte> payload, IBufferWriter<byte> result, CancellationToken aborted)
    {
        Payload = payload;
        Result = result;
        Aborted = aborted;
    }

    /// <summary>The raw JSON of the request's <c>payload</c> (<c>null</c> when absent).</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>Where a synchronous handler writes its result as one JSON value, then returns <see cref="IpcResult.Written"/>.</summary>
    public IBufferWriter<byte> Result { get; }

    /// <summary>Cancelled when the connection drops or the server closes past its grace period.</summary>
    public CancellationToken Aborted { get; }

    /// <summary>The payload as a standalone <see cref="JsonElement"/> (a copy; safe to keep).</summary>
    public JsonElement ParsePayload()
    {
        var reader = new Utf8JsonReader(Payload);
        return JsonElement.ParseValue(ref reader);
    }
}

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

/// <summary>An asynchronous handler's answer: a result JSON value, or an error. Immutable.</summary>
public sealed class IpcReply
{
    private IpcReply(ReadOnlyMemory<byte> json, string? errorMessage, string? errorCode)
    {
        Json = json;
        ErrorMessage = errorMessage;
        ErrorCode = errorCode;
    }

    internal ReadOnlyMemory<byte> Json { get; }

    internal string? ErrorMessage { get; }

    internal string? ErrorCode { get; }

    /// <summary>A result given as UTF-8 JSON (one value).</summary>
    public static IpcReply FromJson(ReadOnlyMemory<byte> utf8Json) => new(utf8Json, null, null);

    /// <summary>A result serialized with source-generated metadata (trim- and AOT-safe).</summary>
    public static IpcReply From<T>(T value, JsonTypeInfo<T> typeInfo) => new(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo), null, null);

    /// <summary>An error reply.</summary>
    public static IpcReply Failure(string message, string? code = null) => new(default, message, code);
}

/// <summary>
/// The fast-path request handler: synchronous handlers write their result into <see cref="IpcRequest.Result"/> with no
/// allocation; asynchronous ones return <see cref="IpcResult.Pending"/>. A thrown exception becomes an error reply.
/// </summary>
public delegate IpcResult IpcRequestHandler(IpcRequest request);
