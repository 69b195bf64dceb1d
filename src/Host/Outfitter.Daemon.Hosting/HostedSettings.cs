using Outfitter.Daemon.Core.Lifecycle;

namespace Outfitter.Daemon.Hosting;

/// <summary>What the Generic Host decides for a hosted daemon: its shutdown budget (<c>HostOptions.ShutdownTimeout</c>) and who tells systemd READY and STOPPING.</summary>
/// <param name="HostShutdownTimeout">The host's shutdown timeout; null when the host does not say.</param>
/// <param name="HostNotifiesSystemd">The host's lifetime is the systemd one of <c>UseSystemd()</c>, which sends READY=1 and STOPPING=1.</param>
internal sealed record HostedSettings(TimeSpan? HostShutdownTimeout, bool HostNotifiesSystemd = false)
{
    /// <summary>
    /// The full name of <c>Microsoft.Extensions.Hosting.Systemd.SystemdLifetime</c>, the <see cref="Microsoft.Extensions.Hosting.IHostLifetime"/>
    /// that <c>UseSystemd()</c> registers when the process runs under systemd. Matched by name, so this package does
    /// not depend on Microsoft.Extensions.Hosting.Systemd.
    /// </summary>
    public const string SystemdLifetimeTypeName = "Microsoft.Extensions.Hosting.Systemd.SystemdLifetime";

    /// <summary>Whether <paramref name="lifetime"/> is the Generic Host's systemd lifetime (or derives from it).</summary>
    public static bool IsSystemdLifetime(object? lifetime)
    {
        for (var type = lifetime?.GetType(); type is not null; type = type.BaseType)
        {
            if (type.FullName == SystemdLifetimeTypeName)
                return true;
        }

        return false;
    }

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
