using Outfitter.Daemon.Core.Lifecycle;

namespace Outfitter.Daemon.Ipc;

/// <summary>
/// The immutable copy of an <see cref="IpcServerOptions"/> a server and its connections run with: taken and validated
/// once, so later changes to the caller's object have no effect and the server never writes back into it.
/// </summary>
internal sealed record IpcServerSettings(
    int MaxLineBytes,
    int MaxConcurrentRequestsPerConnection,
    int? MaxConnections,
    TimeSpan CloseTimeout,
    bool AllowOtherUsers,
    int CollectAfterClosedConnections)
{
    /// <summary>Copies <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public static IpcServerSettings From(IpcServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = OptionRules.ValidateIpcServer(
            options.MaxLineBytes, options.MaxConcurrentRequestsPerConnection, options.MaxConnections, options.CloseTimeout, options.CollectAfterClosedConnections);
        if (!problems.IsEmpty)
            throw new ArgumentException(OptionRules.Describe("IPC server", problems), nameof(options));
        return new IpcServerSettings(
            options.MaxLineBytes,
            options.MaxConcurrentRequestsPerConnection,
            options.MaxConnections,
            options.CloseTimeout,
            options.AllowOtherUsers,
            options.CollectAfterClosedConnections);
    }
}
