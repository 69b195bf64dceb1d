using System.Text.Json;
using Outfitter.Daemon.Composition;

namespace Outfitter.Daemon.Tool;

/// <summary>
/// The one way the tool talks to a daemon: every request of a command is bounded by what is left of that command's one
/// budget (<c>--timeout</c>), so connecting, asking and asking again never add up to more than it, and every failure is
/// reported by <see cref="Commands"/>' one mapping to exit codes and messages. Not thread-safe; one command uses it.
/// </summary>
/// <param name="Client">The connected client.</param>
/// <param name="Budget">The command's budget.</param>
internal sealed record Conversation(IpcClient Client, Budget Budget)
{
    /// <summary>Sends a request (UTF-8 JSON payload); a reply that does not come within the budget is a timeout.</summary>
    internal async Task<Result<ReadOnlyMemory<byte>, DaemonConnectionError>> SendRawAsync(ReadOnlyMemory<byte> payload)
    {
        var bound = Budget.Remaining;
        using var deadline = new CancellationTokenSource(bound, OsPorts.Current.Time);
        return AsTimeout(await Client.SendRawAsync(payload, deadline.Token), bound);
    }

    /// <summary>Sends a request (a JSON payload) within the budget.</summary>
    internal async Task<Result<JsonElement, DaemonConnectionError>> SendAsync(JsonElement payload)
    {
        var bound = Budget.Remaining;
        using var deadline = new CancellationTokenSource(bound, OsPorts.Current.Time);
        return AsTimeout(await Client.SendAsync(payload, deadline.Token), bound);
    }

    // The budget is a deadline, not a user's cancellation: the client cancelled the request (and told the daemon) because
    // the budget ran out, which the tool reports as a timeout.
    private static Result<T, DaemonConnectionError> AsTimeout<T>(Result<T, DaemonConnectionError> result, TimeSpan bound) =>
        result.TryGetError(out var error) && error is DaemonConnectionError.RequestCancelledError cancelled
            ? new DaemonConnectionError.ConnectionTimeoutError((long)bound.TotalMilliseconds, "request", cancelled.RequestSent)
            : result;

    /// <summary>
    /// A client for <paramref name="target"/> whose own limits are the budget's (the per-request bound is the rest of it).
    /// Without the hello handshake: these one-shot commands never use what it says (start, which does, builds its own
    /// client), and a process that lives for one request should not pay for parsing the answer.
    /// </summary>
    internal static IpcClient ClientFor(Target target, Budget budget) =>
        IpcClient.Create(target.SocketPath, new IpcClientOptions { RequestTimeout = budget.Total, LockPath = target.LockPath, TimeProvider = OsPorts.Current.Time, Handshake = false });
}
