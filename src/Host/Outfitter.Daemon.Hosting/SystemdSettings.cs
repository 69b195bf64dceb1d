using Outfitter.Daemon.Core.Systemd;

namespace Outfitter.Daemon.Hosting;

/// <summary>The immutable copy of a <see cref="SystemdOptions"/> the integration runs with, taken once (the caller's object is never written).</summary>
/// <param name="Enabled">Whether to speak the notify protocol at all.</param>
/// <param name="Watchdog">When to send <c>WATCHDOG=1</c>.</param>
/// <param name="ListenFdName">The socket-activation name to adopt; null means the daemon's name.</param>
/// <param name="StatusInterval">How often health is checked for <c>STATUS=</c> without a watchdog.</param>
/// <param name="DegradedIsHealthy">Whether Degraded keeps the watchdog fed.</param>
/// <param name="HostNotifies">
/// The Generic Host's own systemd lifetime (<c>UseSystemd()</c>/<c>AddSystemd()</c>) sends <c>READY=1</c> and
/// <c>STOPPING=1</c>, so the integration sends only what that lifetime does not: <c>STATUS=</c>, the watchdog,
/// <c>EXTEND_TIMEOUT_USEC</c> and socket activation.
/// </param>
internal sealed record SystemdSettings(bool Enabled, WatchdogMode Watchdog, string? ListenFdName, TimeSpan StatusInterval, bool DegradedIsHealthy = true, bool HostNotifies = false)
{
    /// <summary>Copies <paramref name="options"/> (already validated with the host's options).</summary>
    public static SystemdSettings From(SystemdOptions options, bool hostNotifies = false) =>
        new(options.Enabled, options.Watchdog, options.ListenFdName, options.StatusInterval, options.DegradedIsHealthy, hostNotifies);
}
