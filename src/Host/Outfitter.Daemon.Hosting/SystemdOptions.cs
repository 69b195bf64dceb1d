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

    /// <summary>The <c>FileDescriptorName=</c> of the socket to adopt under socket activation; default the daemon's name.</summary>
    public string? ListenFdName { get; set; }

    /// <summary>How often health is re-checked for <c>STATUS=</c> when there is no watchdog (default 10 s).</summary>
    public TimeSpan StatusInterval { get; set; } = TimeSpan.FromSeconds(10);
}
