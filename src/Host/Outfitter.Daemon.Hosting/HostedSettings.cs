using Outfitter.Daemon.Core.Lifecycle;

namespace Outfitter.Daemon.Hosting;

/// <summary>What the Generic Host decides for a hosted daemon: its shutdown budget (<c>HostOptions.ShutdownTimeout</c>).</summary>
/// <param name="HostShutdownTimeout">The host's shutdown timeout; null when the host does not say.</param>
internal sealed record HostedSettings(TimeSpan? HostShutdownTimeout)
{
    /// <summary>
    /// The daemon's budget: the one the options give, else the host's, else the default; never more than the host's,
    /// because the host cancels every stop at its own timeout.
    /// </summary>
    public static TimeSpan Budget(TimeSpan? daemon, TimeSpan? host) =>
        (daemon, host) switch
        {
            ({ } d, { } h) when h > TimeSpan.Zero && h != Timeout.InfiniteTimeSpan => d < h ? d : h,
            ({ } d, _) => d,
            (null, { } h) when h > TimeSpan.Zero && h != Timeout.InfiniteTimeSpan && h <= TimeSpan.FromDays(1) => h,
            _ => OptionRules.DefaultShutdownTimeout,
        };
}
