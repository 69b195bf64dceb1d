using System.Diagnostics;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Packaging;

/// <summary>
/// The tool as users install it: <c>dotnet pack</c> writes the pointer package, this platform's Native AOT package and
/// the framework-dependent <c>any</c> fallback into a temp feed (built under a temp artifacts path, so the checkout's
/// bin and obj are left alone); <c>dotnet tool install --tool-path</c> installs from there, and the installed
/// <c>outfitter-daemon</c> answers <c>--version</c> and runs <c>demo</c>.
/// </summary>
public sealed partial class ToolPackageTests : IDisposable
{
    private static readonly TimeSpan CliDeadline = TimeSpan.FromMinutes(8);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_tool_packs_installs_with_a_tool_path_and_runs_version_and_demo_native_and_framework_dependent()
    {
        var root = Artifacts.RepositoryRoot;
        var project = Path.Combine(root, "src", "Host", "Outfitter.Daemon.Tool", "Outfitter.Daemon.Tool.csproj");
        var version = "0.0.0-tooltest." + Guid.NewGuid().ToString("N")[..12];
        var feed = Directory.CreateDirectory(_dir.Combine("feed")).FullName;
        var rid = RuntimeInformation.RuntimeIdentifier; // the platform's own Native AOT package is the one it can build
        string[] common = ["-c", "Release", $"-p:Version={version}", "-p:ContinuousIntegrationBuild=true", "--artifacts-path", _dir.Combine("artifacts"), "-o", feed, "-nologo"];

        await RunAsync(root, ["pack", project, .. common]);
        await RunAsync(root, ["pack", project, "-r", rid, .. common]);
        await RunAsync(root, ["pack", project, "-r", "any", .. common]);

        var files = Directory.GetFiles(feed).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            new[] { $"outfitter-daemon.{version}.nupkg", $"outfitter-daemon.any.{version}.nupkg", $"outfitter-daemon.any.{version}.snupkg", $"outfitter-daemon.{rid}.{version}.nupkg", $"outfitter-daemon.{rid}.{version}.snupkg" }
                .Order(StringComparer.Ordinal),
            files);
        AssertMetadata(Path.Combine(feed, $"outfitter-daemon.{version}.nupkg"));
        AssertMetadata(Path.Combine(feed, $"outfitter-daemon.any.{version}.nupkg"));

        // A feed of its own and a private packages folder: this run's packages are the ones installed.
        var config = _dir.Combine("nuget.config");
        File.WriteAllText(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="packed" value="{feed}" />
              </packageSources>
            </configuration>
            """);

        // The pointer package: the CLI picks this platform's Native AOT package.
        var native = _dir.Combine("tools-native");
        await RunAsync(_dir.Path, ["tool", "install", "outfitter-daemon", "--tool-path", native, "--version", version, "--configfile", config]);
        var nativeTool = Path.Combine(native, "outfitter-daemon");
        Assert.True(IsElf(nativeTool), "the installed tool is not the native executable");
        await AssertRunsAsync(nativeTool, version);

        // The framework-dependent fallback, as platforms without a native package get it.
        var portable = _dir.Combine("tools-any");
        await RunAsync(_dir.Path, ["tool", "install", "outfitter-daemon.any", "--tool-path", portable, "--version", version, "--configfile", config]);
        var portableTool = Path.Combine(portable, "outfitter-daemon");
        Assert.True(Directory.GetFiles(portable, "outfitter-daemon.dll", SearchOption.AllDirectories).Length == 1, "the fallback is not the framework-dependent tool");
        await AssertRunsAsync(portableTool, version);
    }

    private static async Task AssertRunsAsync(string tool, string version)
    {
        var printed = await RunAsync(Path.GetTempPath(), [], tool, "--version");
        Assert.StartsWith(version, printed.Trim(), StringComparison.Ordinal);
        var demo = await RunAsync(Path.GetTempPath(), [], tool, "demo");
        Assert.Contains("Demo passed", demo, StringComparison.Ordinal);
    }

    /// <summary>Licence, readme, repository type and tool type in the nuspec; the packed README has no relative link.</summary>
    private static void AssertMetadata(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        var nuspecEntry = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var nuspecStream = nuspecEntry.Open();
        var metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Element(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;
        Assert.Equal("MIT", Element("license"));
        Assert.Equal("README.md", Element("readme"));
        Assert.False(string.IsNullOrWhiteSpace(Element("description")));
        Assert.DoesNotContain("npmjs.com", Element("projectUrl") ?? "", StringComparison.Ordinal);
        Assert.Equal("git", metadata.Elements().Single(e => e.Name.LocalName == "repository").Attribute("type")?.Value);

        using var readme = new StreamReader(zip.GetEntry("README.md")!.Open());
        var text = readme.ReadToEnd();
        Assert.Contains("outfitter-daemon", text, StringComparison.Ordinal);
        var relative = RelativeLink().Matches(text).Select(m => m.Value).ToList();
        Assert.True(relative.Count == 0, $"{Path.GetFileName(package)}'s README has links that only work inside the repository: {string.Join(", ", relative)}");
    }

    [GeneratedRegex(@"\]\((?!https?://|#|mailto:)[^)\s]+\)")]
    private static partial Regex RelativeLink();

    private static bool IsElf(string path)
    {
        var target = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        using var file = File.OpenRead(target);
        Span<byte> magic = stackalloc byte[4];
        return file.Read(magic) == 4 && magic.SequenceEqual("\u007fELF"u8);
    }

    private static Task<string> RunAsync(string workingDirectory, string[] args) => RunAsync(workingDirectory, args, ChildProcess.DotnetHost());

    /// <summary>Runs a program to completion within a deadline and returns its stdout; a failure shows its output.</summary>
    private static async Task<string> RunAsync(string workingDirectory, string[] dotnetArgs, string fileName, params string[] args)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in dotnetArgs.Concat(args))
            info.ArgumentList.Add(arg);
        // The test host runs under `dotnet test`: its MSBuild variables would steer the child's build.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("DOTNET_HOST_PATH", StringComparison.Ordinal)).ToList())
            info.Environment.Remove(name);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{fileName} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(CliDeadline);
        var shown = $"{Path.GetFileName(fileName)} {string.Join(' ', dotnetArgs.Concat(args))}";
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{shown} did not finish within {CliDeadline}.\n{await stdout}\n{await stderr}");
        }

        Assert.True(process.ExitCode == 0, $"{shown} exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
        return await stdout;
    }
}
