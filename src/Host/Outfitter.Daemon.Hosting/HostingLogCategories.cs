namespace Outfitter.Daemon.Hosting;

/// <summary>The logger categories of the hosting package.</summary>
internal static class HostingLogCategories
{
    /// <summary>Start, stop and the host's lifetime.</summary>
    public const string Lifecycle = "Outfitter.Daemon.Lifecycle";
}
