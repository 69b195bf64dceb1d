using LanguageExt;
using Microsoft.Extensions.Logging;
using Outfitter.Daemon.Core.Health;
using Outfitter.Daemon.Core.Lifecycle;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Core.Systemd;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Hosting;

/// <summary>Options of the systemd integration of a <see cref="DaemonHost"/>.</summary>
public sealed class SystemdOptions
{
    /// <summary>Whether to talk to systemd when its variables are present (default true; nothing happens without them).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>When to feed the watchdog (default: only while healthy, so systemd restarts a daemon whose checks fail).</summary>
    public WatchdogMode Watchdog { get; set; } = WatchdogMode.HealthyOnly;

    /// <summary>
    /// Whether a <see cref="CheckStatus.Degraded"/> status counts as healthy for the watchdog under
    /// <see cref="WatchdogMode.HealthyOnly"/> (default true: a degraded daemon still works, so systemd keeps it running;
    /// only an unhealthy check stops the keep-alives). Set it to false to have systemd restart a degraded daemon too.
    /// Any value is valid; it has no effect with <see cref="WatchdogMode.Always"/> or without a watchdog. The health
    /// reply and <c>STATUS=</c> report "degraded" either way, and the reply's <c>healthy</c> stays true.
    /// </summary>
    public bool DegradedIsHealthy { get; set; } = true;

    /// <summary>The <c>FileDescriptorName=</c> of the socket to adopt under socket activation; default the daemon's name.</summary>
    public string? ListenFdName { get; set; }

    /// <summary>How often health is re-checked for <c>STATUS=</c> when there is no watchdog (default 10 s).</summary>
    public TimeSpan StatusInterval { get; set; } = TimeSpan.FromSeconds(10);
}
