// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

/// <summary>
/// How a health check (or the whole status) stands, ordered from worst to best, with the same names and numbers as
/// <c>Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus</c>. <c>default</c> is <see cref="Unhealthy"/>, so an
/// uninitialised status never reads as healthy.
/// </summary>
public enum CheckStatus
{
    /// <summary>The check failed (or threw, or timed out): the wire says <c>"healthy":false</c>.</summary>
    Unhealthy = 0,

    /// <summary>
    /// The check works with a problem worth reporting (slow, a fallback in use). It still counts as healthy on the wire
    /// (<c>"healthy":true,"status":"degraded"</c>) and, by default, for the systemd watchdog.
    /// </summary>
    Degraded = 1,

    /// <summary>The check passed.</summary>
    Healthy = 2,
}
