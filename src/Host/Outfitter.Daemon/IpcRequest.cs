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
    private readonly IRequestCancellation? _cancellation;
    private readonly CancellationToken _aborted;

    internal IpcRequest(ReadOnlySpan<byte> payload, IBufferWriter<byte> result, CancellationToken aborted)
    {
        Payload = payload;
        Result = result;
        _aborted = aborted;
    }

    internal IpcRequest(ReadOnlySpan<byte> payload, IBufferWriter<byte> result, IRequestCancellation cancellation)
    {
        Payload = payload;
        Result = result;
        _cancellation = cancellation;
    }

    /// <summary>The raw JSON of the request's <c>payload</c> (<c>null</c> when absent).</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>Where a synchronous handler writes its result as one JSON value, then returns <see cref="IpcResult.Written"/>.</summary>
    public IBufferWriter<byte> Result { get; }

    /// <summary>
    /// Cancelled when the client cancels this request (a <c>cancel</c> line with its id, sent by <see cref="IpcClient"/>
    /// when its caller cancels or the request times out; the request then gets no reply, whatever the handler returns),
    /// when the connection drops, or when the server closes past its grace period. The request's token source is created
    /// the first time a handler reads this, so a handler that never does allocates nothing for it. Meant for the request's
    /// own work: once the request is answered the source is disposed, and the token no longer fires.
    /// </summary>
    public CancellationToken Aborted => _cancellation is null ? _aborted : _cancellation.Token;

    /// <summary>
    /// Cancelled when the connection this request came on ends (the peer closed it, it broke, or the server closed it),
    /// and only then: for state that lives as long as the connection rather than the request, such as a lease. Free to
    /// read (the connection's own token).
    /// </summary>
    public CancellationToken ConnectionClosed => _cancellation is null ? _aborted : _cancellation.ConnectionClosed;

    /// <summary>The payload as a standalone <see cref="JsonElement"/> (a copy; safe to keep).</summary>
    public JsonElement ParsePayload()
    {
        var reader = new Utf8JsonReader(Payload);
        return JsonElement.ParseValue(ref reader);
    }
}

/// <summary>Where <see cref="IpcRequest.Aborted"/> comes from: the connection running the request (created on first use).</summary>
internal interface IRequestCancellation
{
    /// <summary>The running request's token, its source created on first use.</summary>
    CancellationToken Token { get; }

    /// <summary>The connection's token, cancelled when it ends.</summary>
    CancellationToken ConnectionClosed { get; }
}
