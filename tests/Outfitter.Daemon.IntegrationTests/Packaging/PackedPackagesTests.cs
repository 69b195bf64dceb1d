using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Packaging;

/// <summary>
/// How users get the library: the NuGet packages. The packable projects are packed (from this build, with a version of
/// this run's own) into a temporary feed, and the Generic Host sample's Program.cs and appsettings.json are built in a
/// project outside the repository that references <c>Outfitter.Daemon.Hosting</c> from that feed, restored into a
/// private packages folder, then run as a real process and asked over its socket. The README's testing-kit block is
/// built and run the same way against the packed <c>Outfitter.Daemon.Testing</c>.
/// </summary>
public sealed class PackedPackagesTests : IDisposable
{
    private static readonly TimeSpan ToolDeadline = TimeSpan.FromMinutes(5);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly string[] Packed =
    [
        "src/Core/Outfitter.Daemon.Core.csproj",
        "src/Adapters/Outfitter.Daemon.Adapters.csproj",
        "src/Host/Outfitter.Daemon/Outfitter.Daemon.csproj",
        "src/Host/Outfitter.Daemon.Hosting/Outfitter.Daemon.Hosting.csproj",
        "tests/Outfitter.Daemon.Testing/Outfitter.Daemon.Testing.csproj",
    ];

    [Fact]
    public async Task The_generic_host_sample_builds_and_runs_against_the_packed_packages()
    {
        var root = Artifacts.RepositoryRoot;
        var (feed, version) = await PackAsync();

        // The user's project: the sample's files, package references only, nothing from this repository's build files.
        var app = Directory.CreateDirectory(_dir.Combine("app")).FullName;
        File.Copy(Path.Combine(root, "samples", "HostedDaemon", "Program.cs"), Path.Combine(app, "Program.cs"));
        File.Copy(Path.Combine(root, "samples", "HostedDaemon", "appsettings.json"), Path.Combine(app, "appsettings.json"));
        WriteProject(app, "PackedApp", $"""
                <PackageReference Include="Outfitter.Daemon.Hosting" Version="{version}" />
                <PackageReference Include="Microsoft.Extensions.Hosting" Version="{VersionOf("Microsoft.Extensions.Hosting")}" />
                <PackageReference Include="Microsoft.Extensions.Hosting.Systemd" Version="{VersionOf("Microsoft.Extensions.Hosting.Systemd")}" />
            """, """<None Update="appsettings.json" CopyToOutputDirectory="PreserveNewest" />""");
        WriteNugetConfig(app, feed);

        await RunAsync(app, "build", Path.Combine(app, "App.csproj"), "-c", "Release", "-nologo");

        AssertRestoredFromFeed(app, version, "Outfitter.Daemon.Hosting", "Outfitter.Daemon", "Outfitter.Daemon.Adapters", "Outfitter.Daemon.Core");

        // Run it as a user would, and talk to it.
        var socket = _dir.Combine("d.sock");
        var env = new Dictionary<string, string?>
        {
            ["Outfitter__Daemon__SocketPath"] = socket,
            ["Outfitter__Daemon__LockPath"] = _dir.Combine("d.lock"),
            ["DOTNET_ENVIRONMENT"] = null,
            ["NOTIFY_SOCKET"] = null,
        };
        using var daemon = ChildProcess.StartDotnet(env, Path.Combine(app, "bin", "Release", "net10.0", "PackedApp.dll"));
        await WaitUntilAnsweringAsync(daemon, socket);

        var status = await SendAsync(socket, """{"type":"status"}""");
        Assert.Equal("hosted-sample", status.GetProperty("name").GetString());
        Assert.Equal(daemon.Pid, status.GetProperty("pid").GetInt32());
        Assert.True((await SendAsync(socket, """{"type":"beats"}""")).TryGetProperty("beats", out _));
        Assert.True((await SendAsync(socket, """{"type":"shutdown"}""")).GetProperty("stopping").GetBoolean());

        Assert.Equal(0, await daemon.WaitForExitAsync());
        Assert.False(File.Exists(socket), "the socket file is left behind");
    }

    [Fact]
    public async Task The_readmes_testing_kit_block_builds_and_runs_against_the_packed_packages()
    {
        var (feed, version) = await PackAsync();

        // The README's block as it is, as a user's program referencing the testing kit and the hosting package.
        var readme = File.ReadAllText(Path.Combine(Artifacts.RepositoryRoot, "README.md"));
        var section = readme.IndexOf("### Testing a daemon without the OS", StringComparison.Ordinal);
        Assert.True(section >= 0, "README.md has no testing kit section.");
        var start = readme.IndexOf("```csharp\n", section, StringComparison.Ordinal) + "```csharp\n".Length;
        var code = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
        Assert.Contains("new FakeMachine()", code, StringComparison.Ordinal);

        var app = Directory.CreateDirectory(_dir.Combine("kit")).FullName;
        File.WriteAllText(Path.Combine(app, "Program.cs"), code);
        WriteProject(app, "KitApp", $"""
                <PackageReference Include="Outfitter.Daemon.Hosting" Version="{version}" />
                <PackageReference Include="Outfitter.Daemon.Testing" Version="{version}" />
            """, "");
        WriteNugetConfig(app, feed);
        await RunAsync(app, "build", Path.Combine(app, "App.csproj"), "-c", "Release", "-nologo");
        AssertRestoredFromFeed(app, version, "Outfitter.Daemon.Testing", "Outfitter.Daemon.Hosting", "Outfitter.Daemon.Core");

        using var kit = ChildProcess.StartDotnet(new Dictionary<string, string?>(), Path.Combine(app, "bin", "Release", "net10.0", "KitApp.dll"));
        Assert.Equal("hello -> world", await kit.NextLineAsync());
        Assert.True(0 == await kit.WaitForExitAsync(), $"The testing kit program failed. stderr: {kit.Stderr}");
    }

    /// <summary>Packs every packable project from this build, with a version of this run's own, into a temp feed.</summary>
    private async Task<(string Feed, string Version)> PackAsync()
    {
        var root = Artifacts.RepositoryRoot;
        var version = "0.0.0-packtest." + Guid.NewGuid().ToString("N")[..12];
        var feed = Directory.CreateDirectory(_dir.Combine("feed")).FullName;
        foreach (var project in Packed)
        {
            await RunAsync(root, "pack", Path.Combine(root, project), "--no-build", "-c", Artifacts.Configuration,
                $"-p:Version={version}", "-o", feed, "-nologo");
        }

        var packages = Directory.GetFiles(feed, "*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            new[] { "Outfitter.Daemon", "Outfitter.Daemon.Adapters", "Outfitter.Daemon.Core", "Outfitter.Daemon.Hosting", "Outfitter.Daemon.Testing" }
                .Select(id => $"{id}.{version}.nupkg").Order(StringComparer.Ordinal),
            packages);
        return (feed, version);
    }

    private static string VersionOf(string id) =>
        XDocument.Load(Path.Combine(Artifacts.RepositoryRoot, "Directory.Packages.props"))
            .Descendants("PackageVersion").Single(p => (string?)p.Attribute("Include") == id).Attribute("Version")!.Value;

    /// <summary>A user's project file: package references only, nothing from this repository's build files.</summary>
    private static void WriteProject(string app, string assemblyName, string packageReferences, string otherItems) =>
        File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <AssemblyName>{assemblyName}</AssemblyName>
              </PropertyGroup>
              <ItemGroup>
            {packageReferences}
              </ItemGroup>
              <ItemGroup>
                {otherItems}
              </ItemGroup>
            </Project>
            """);

    /// <summary>
    /// A private packages folder, so this run's packages are the ones restored; everything else comes from the machine's
    /// cache (a fallback folder) or from nuget.org.
    /// </summary>
    private void WriteNugetConfig(string app, string feed)
    {
        var userCache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set
            ? set
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{_dir.Combine("packages")}" />
              </config>
              <fallbackPackageFolders>
                <clear />
                <add key="machine" value="{userCache}" />
              </fallbackPackageFolders>
              <packageSources>
                <clear />
                <add key="packed" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
            </configuration>
            """);
    }

    /// <summary>Restored from the feed as packages, not projects, into the private packages folder.</summary>
    private void AssertRestoredFromFeed(string app, string version, params string[] ids)
    {
        var assets = JsonDocument.Parse(File.ReadAllText(Path.Combine(app, "obj", "project.assets.json"))).RootElement;
        var libraries = assets.GetProperty("libraries").EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetProperty("type").GetString());
        foreach (var id in ids)
        {
            Assert.Equal("package", libraries[$"{id}/{version}"]);
            Assert.True(Directory.Exists(Path.Combine(_dir.Combine("packages"), id.ToLowerInvariant(), version)), $"{id} {version} was not restored from the feed");
        }
    }

    private static async Task<JsonElement> SendAsync(string socket, string payload)
    {
        await using var client = IpcClient.Create(socket);
        var connected = await client.ConnectAsync();
        if (connected.TryGetError(out var notConnected))
            throw new Xunit.Sdk.XunitException($"Could not connect: {notConnected.Message}");
        var reply = await client.SendRawAsync(Encoding.UTF8.GetBytes(payload));
        return reply.Match(
            json => JsonDocument.Parse(json).RootElement.Clone(),
            error => throw new Xunit.Sdk.XunitException($"No reply to {payload}: {error.Message}"));
    }

    private static async Task WaitUntilAnsweringAsync(ChildProcess daemon, string socket)
    {
        using var deadline = new CancellationTokenSource(ChildProcess.DefaultDeadline);
        while (true)
        {
            if (daemon.Process.HasExited)
                throw new Xunit.Sdk.XunitException($"The packed app exited with {daemon.Process.ExitCode} before answering. stderr: {daemon.Stderr}");
            await using var client = IpcClient.Create(socket);
            if ((await client.ConnectAsync(deadline.Token)).IsSuccess &&
                (await client.SendRawAsync("{\"type\":\"ping\"}"u8.ToArray(), deadline.Token)).IsSuccess)
                return;
            try
            {
                await Task.Delay(20, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The packed app did not answer ping within {ChildProcess.DefaultDeadline}. stderr: {daemon.Stderr}");
            }
        }
    }

    /// <summary>Runs the dotnet CLI to completion within a deadline; a failure shows its output.</summary>
    private static async Task RunAsync(string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo(ChildProcess.DotnetHost())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        // The test host runs under `dotnet test`: its MSBuild variables would steer the child's build.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k.StartsWith("DOTNET_HOST_PATH", StringComparison.Ordinal)).ToList())
            info.Environment.Remove(name);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";

        using var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(ToolDeadline);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish within {ToolDeadline}.\n{await stdout}\n{await stderr}");
        }

        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
    }
}
