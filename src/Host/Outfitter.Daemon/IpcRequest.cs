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
