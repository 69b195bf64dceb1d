using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Outfitter.Daemon;

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
