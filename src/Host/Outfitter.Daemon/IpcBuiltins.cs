using System.Buffers;
using Outfitter.Daemon.Core.Ipc;

namespace Outfitter.Daemon;

/// <summary>Built-in request handlers every daemon can map: <c>ping</c> and <c>echo</c>. Allocation-free.</summary>
public static class IpcBuiltins
{
    /// <summary><c>{"type":"ping"}</c> → <c>{"pong":true}</c>: a readiness and liveness probe.</summary>
    public static IpcResult Ping(IpcRequest request)
    {
        Write(request.Result, "{\"pong\":true}"u8);
        return IpcResult.Written;
    }

    /// <summary><c>{"type":"echo","data":X}</c> → <c>X</c> (<c>null</c> when there is no data), byte for byte.</summary>
    public static IpcResult Echo(IpcRequest request)
    {
        Write(request.Result, PayloadFields.TryGetRaw(request.Payload, "data"u8, out var data) ? data : "null"u8);
        return IpcResult.Written;
    }

    /// <summary>Maps <c>ping</c> and <c>echo</c> on <paramref name="router"/>.</summary>
    public static IpcRouter MapBuiltins(this IpcRouter router) =>
        router.Map("ping", Ping).Map("echo", Echo);

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> json)
    {
        var span = output.GetSpan(json.Length);
        json.CopyTo(span);
        output.Advance(json.Length);
    }
}
