using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Docs;

/// <summary>
/// Every <c>```csharp</c> block of README.md — read from the repository, not copied — compiles exactly as written, as a
/// program of its own in a project with the SDK's implicit usings that references the Outfitter.Daemon packages, and
/// imports nothing beyond <c>Outfitter.Daemon</c>, <c>Outfitter.Daemon.Hosting</c>, <c>Outfitter.Daemon.Testing</c> (the
/// testing kit's section), the base library's and
/// Microsoft.Extensions' namespaces, and OpenTelemetry's (the packages the README's metrics and traces wiring names).
/// </summary>
public sealed partial class ReadmeCompilesTests
{
    /// <summary>The global usings the .NET SDK adds to a console project with ImplicitUsings on.</summary>
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    public static TheoryData<int, int> Blocks()
    {
        var data = new TheoryData<int, int>();
        foreach (var block in ReadBlocks())
            data.Add(block.Index, block.Line);
        return data;
    }

    [Fact]
    public void The_readme_has_csharp_blocks_to_check()
    {
        Assert.True(ReadBlocks().Count >= 5, "README.md's C# blocks were not found; the test would check nothing.");
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void A_readme_csharp_block_compiles_as_written(int index, int line)
    {
        var block = ReadBlocks()[index];
        var tree = CSharpSyntaxTree.ParseText(block.Code, Parse, path: $"README.md:{line}");

        var compilation = CSharpCompilation.Create(
            $"ReadmeBlock{index}",
            [tree, CSharpSyntaxTree.ParseText(ImplicitUsings, Parse)],
            References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error || d.Severity == DiagnosticSeverity.Warning && !d.IsSuppressed)
            .Select(d => $"{d.Location.GetLineSpan().StartLinePosition.Line + line + 1}: {d.Id} {d.GetMessage()}")
            .ToList();

        Assert.True(errors.Count == 0, $"The README block at line {line} does not compile as written:\n{string.Join("\n", errors)}\n\n{block.Code}");
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void A_readme_csharp_block_needs_only_the_outfitter_namespaces(int index, int line)
    {
        var usings = CSharpSyntaxTree.ParseText(ReadBlocks()[index].Code, Parse).GetCompilationUnitRoot().Usings
            .Select(u => u.Name!.ToString())
            .ToList();

        var foreign = usings.Where(u => !(u is "Outfitter.Daemon" or "Outfitter.Daemon.Hosting" or "Outfitter.Daemon.Testing"
            || u == "System" || u.StartsWith("System.", StringComparison.Ordinal)
            || u.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal)
            || u == "OpenTelemetry" || u.StartsWith("OpenTelemetry.", StringComparison.Ordinal))).ToList();

        Assert.True(foreign.Count == 0, $"The README block at line {line} needs {string.Join(", ", foreign)}.");
    }

    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);

    /// <summary>
    /// What a user's project references: the base library and the Outfitter.Daemon, Microsoft.Extensions and
    /// OpenTelemetry (SDK and hosting) assemblies this test process has, but not LanguageExt, so a sample that needs
    /// LanguageExt does not compile.
    /// </summary>
    private static readonly Lazy<List<MetadataReference>> References = new(() =>
    {
        _ = typeof(global::Outfitter.Daemon.Hosting.DaemonHost);
        _ = typeof(global::Outfitter.Daemon.Testing.FakeMachine);
        _ = typeof(Microsoft.Extensions.Hosting.Host);
        _ = typeof(OpenTelemetry.Sdk);
        _ = typeof(OpenTelemetry.OpenTelemetryBuilderSdkExtensions);
        _ = typeof(Microsoft.Extensions.DependencyInjection.OpenTelemetryServicesExtensions);
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return paths
            .Where(p => !Path.GetFileName(p).StartsWith("LanguageExt", StringComparison.Ordinal))
            .Where(p => !Path.GetFileName(p).StartsWith("xunit", StringComparison.Ordinal))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList();
    });

    [Fact]
    public void The_readme_generic_host_section_shows_the_sample_program_as_it_is()
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var section = text.IndexOf("## Dependency injection and the Generic Host", StringComparison.Ordinal);
        Assert.True(section >= 0, "README.md has no Generic Host section.");
        var block = CsharpBlock().Match(text, section);
        var sample = File.ReadAllText(Path.Combine(RepositoryRoot(), "samples", "HostedDaemon", "Program.cs"));

        Assert.True(block.Success, "The Generic Host section has no C# block.");
        Assert.Equal(sample.ReplaceLineEndings("\n"), block.Groups["code"].Value);
    }

    private static List<(int Index, int Line, string Code)> ReadBlocks()
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var blocks = new List<(int, int, string)>();
        foreach (Match m in CsharpBlock().Matches(text))
            blocks.Add((blocks.Count, text[..m.Index].Count(c => c == '\n') + 1, m.Groups["code"].Value));
        return blocks;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Outfitter.Daemon.sln")))
                return dir.FullName;
        }

        throw new InvalidOperationException($"No Outfitter.Daemon.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"^```csharp\n(?<code>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CsharpBlock();
}
