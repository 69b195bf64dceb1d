using Outfitter.Daemon.Core.Systemd;

namespace Outfitter.Daemon.Hosting;

/// <summary>The immutable copy of a <see cref="SystemdOptions"/> the integration runs with, taken once (the caller's object is never written).</summary>
internal sealed record SystemdSettings(bool Enabled, WatchdogMode Watchdog, string? ListenFdName, TimeSpan StatusInterval, bool DegradedIsHealthy = true)
{
    /// <summary>Copies <paramref name="options"/> (already validated with the host's options).</summary>
    public static SystemdSettings From(SystemdOptions options) =>
        new(options.Enabled, options.Watchdog, options.ListenFdName, options.StatusInterval, options.DegradedIsHealthy);
}
