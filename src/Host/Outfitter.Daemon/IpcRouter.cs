using System.Text;
using Outfitter.Daemon.Core.Ipc;

namespace Outfitter.Daemon;

/// <summary>
/// Routes requests on their payload's <c>type</c> member (<c>{"type":"ping"}</c>), the convention of the reference's
/// examples. Unknown or missing types get an error reply naming the type. Build it once, then pass <see cref="Handle"/>
/// to <see cref="IpcServer.OnRequest"/>. Mapping is not thread-safe; routing is.
/// </summary>
public sealed class IpcRouter
{
    private const int MaxTypeBytes = 256;
    private (byte[] Type, IpcRequestHandler Handler)[] _routes = [];

    /// <summary>Routes payloads whose <c>type</c> is <paramref name="type"/> to <paramref name="handler"/> (replacing an earlier one).</summary>
    public IpcRouter Map(string type, IpcRequestHandler handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(handler);
        var key = Encoding.UTF8.GetBytes(type);
        if (key.Length > MaxTypeBytes)
            throw new ArgumentException($"A type name may be at most {MaxTypeBytes} UTF-8 bytes.", nameof(type));
        _routes = [.. _routes.Where(r => !r.Type.AsSpan().SequenceEqual(key)), (key, handler)];
        return this;
    }

    /// <summary>The request types mapped so far.</summary>
    public IReadOnlyList<string> Types => _routes.Select(r => Encoding.UTF8.GetString(r.Type)).ToList();

    /// <summary>Dispatches one request (use as the server's <see cref="IpcRequestHandler"/>).</summary>
    public IpcResult Handle(IpcRequest request)
    {
        Span<byte> type = stackalloc byte[MaxTypeBytes];
        var length = PayloadFields.TryGetString(request.Payload, "type"u8, type);
        if (length < 0)
            return IpcResult.Error("The request payload has no string \"type\"; send for example {\"type\":\"ping\"}.", IpcErrorCodes.UnknownType);
        foreach (var (key, handler) in _routes)
        {
            if (type[..length].SequenceEqual(key))
                return handler(request);
        }

        return IpcResult.Error($"Unknown request type \"{Encoding.UTF8.GetString(type[..length])}\"; this server handles: {string.Join(", ", Types)}.", IpcErrorCodes.UnknownType);
    }
}
