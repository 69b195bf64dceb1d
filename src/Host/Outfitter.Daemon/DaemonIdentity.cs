using System.Reflection;

namespace Outfitter.Daemon;

/// <summary>
/// What a server says about itself in its answer to the <c>hello</c> handshake (with its PID, start time and
/// capabilities, which the server adds). <see cref="IpcServer.Identity"/> starts as <see cref="OfEntryAssembly"/>;
/// <c>DaemonHost</c> sets the daemon's name, version, build and options hash.
/// </summary>
/// <param name="Name">The daemon's name.</param>
/// <param name="Version">The daemon's version.</param>
/// <param name="Build">An identifier of the daemon's build: by default <see cref="BuildOf"/> of the entry assembly.</param>
public sealed record DaemonIdentity(string Name, string Version, string Build)
{
    /// <summary>The daemon's process ID, or null to leave it out (<c>IpcServer.Create</c> and <c>DaemonHost</c> set it).</summary>
    public int? Pid { get; init; }

    /// <summary>A hash of the options the daemon was started with (any text its owner chooses), or null for none.</summary>
    public string? OptionsHash { get; init; }

    /// <summary>Capabilities to announce beyond the server's own (<c>cancel</c>, …); <c>DaemonHost</c> adds <c>idle</c>.</summary>
    public IReadOnlyList<string> ExtraCapabilities { get; init; } = [];

    /// <summary>The running program's identity: its entry assembly's name, informational version and build.</summary>
    public static DaemonIdentity OfEntryAssembly()
    {
        var entry = Assembly.GetEntryAssembly() ?? typeof(DaemonIdentity).Assembly;
        return new DaemonIdentity(entry.GetName().Name ?? "daemon", VersionOf(entry), BuildOf(entry));
    }

    /// <summary>An assembly's informational version (its <c>Version</c> with any <c>+commit</c> suffix), else its assembly version.</summary>
    /// <param name="assembly">The assembly.</param>
    public static string VersionOf(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "0.0.0";
    }

    /// <summary>
    /// An identifier of an assembly's build: its module version ID, which the compiler derives from the assembly's
    /// content in a deterministic build, so two builds differ exactly when their code or metadata differ (a version bump
    /// included) and a rebuild of the same source is the same build. Survives Native AOT compilation.
    /// </summary>
    /// <param name="assembly">The assembly.</param>
    public static string BuildOf(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return assembly.ManifestModule.ModuleVersionId.ToString("N");
    }
}
