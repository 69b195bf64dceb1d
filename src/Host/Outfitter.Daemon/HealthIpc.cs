using System.Buffers;
using Outfitter.Daemon.Core.Health;

namespace Outfitter.Daemon;

/// <summary>Health over IPC: <c>{"type":"health"}</c> answers with the status JSON.</summary>
public static class HealthIpc
{
    /// <summary>Maps <c>health</c> on <paramref name="router"/> to <paramref name="checker"/>: one line of set-up.</summary>
    public static IpcRouter MapHealth(this IpcRouter router, IHealthChecker checker)
    {
        ArgumentNullException.ThrowIfNull(checker);
        return router.Map("health", request => IpcResult.Pending(ReplyAsync(checker, request.Aborted)));
    }

    private static async Task<IpcReply> ReplyAsync(IHealthChecker checker, CancellationToken aborted)
    {
        var status = await checker.CheckAsync(aborted).ConfigureAwait(false);
        var json = new ArrayBufferWriter<byte>();
        HealthAggregation.WriteJson(json, status);
        return IpcReply.FromJson(json.WrittenMemory);
    }
}
