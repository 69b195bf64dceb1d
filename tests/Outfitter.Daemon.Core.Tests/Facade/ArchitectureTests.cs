using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Xunit;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary>
/// The dependency direction, checked on the compiled assemblies: Core does no I/O and knows no other project;
/// Adapters know Core only. (docs/adr/0001-architecture.md)
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly string[] ForbiddenInCore =
    [
        "System.IO.", "System.Net.", "System.Diagnostics.Process", "System.Environment", "System.Console",
        "System.Threading.Thread", "System.DateTime.get_Now", "System.DateTime.get_UtcNow",
        "System.DateTimeOffset.get_Now", "System.DateTimeOffset.get_UtcNow", "System.Runtime.InteropServices.DllImport",
        "Microsoft.Extensions.",
    ];

    [Fact]
    public void Core_references_only_the_base_library_and_LanguageExt()
    {
        var references = typeof(Core.Paths.PathResolver).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.All(references, name => Assert.True(
            // System.Text.Json parses and writes frames in memory (Utf8JsonReader over spans); it does no I/O.
            name is "System.Runtime" or "System.Linq" or "System.Collections" or "System.Memory" or "System.Text.Json"
                or "System.Text.Encodings.Web" or "LanguageExt.Core",
            $"Core must not reference {name}."));
    }

    [Fact]
    public void Core_uses_no_io_clock_environment_or_process_apis()
    {
        var used = ReferencedMembers(typeof(Core.Paths.PathResolver).Assembly);

        var offending = used.Where(m => ForbiddenInCore.Any(f => m.StartsWith(f, StringComparison.Ordinal))).ToList();

        Assert.True(offending.Count == 0, "Core uses: " + string.Join(", ", offending));
        Assert.Contains(used, m => m.StartsWith("LanguageExt.", StringComparison.Ordinal)); // the scan does see references
    }

    [Fact]
    public void Adapters_know_core_but_not_the_host()
    {
        var references = typeof(Adapters.OsAdapters).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();

        Assert.Contains("Outfitter.Daemon.Core", references);
        Assert.DoesNotContain("Outfitter.Daemon", references);
    }

    /// <summary>Every type and member the assembly references from other assemblies, as "Namespace.Type.Member".</summary>
    private static List<string> ReferencedMembers(Assembly assembly)
    {
        using var stream = File.OpenRead(assembly.Location);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        string TypeName(EntityHandle handle) => handle.Kind switch
        {
            HandleKind.TypeReference => Name(md.GetTypeReference((TypeReferenceHandle)handle)),
            _ => "",
        };
        string Name(TypeReference t) => $"{md.GetString(t.Namespace)}.{md.GetString(t.Name)}";

        var names = md.TypeReferences.Select(h => Name(md.GetTypeReference(h))).ToList();
        names.AddRange(md.MemberReferences.Select(h =>
        {
            var m = md.GetMemberReference(h);
            return $"{TypeName(m.Parent)}.{md.GetString(m.Name)}";
        }));
        return names;
    }
}
