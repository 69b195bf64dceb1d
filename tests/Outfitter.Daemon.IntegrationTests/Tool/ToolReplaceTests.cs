using System.Diagnostics;
using System.Text.Json;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Tool;

/// <summary>
/// A second build of the tool (version 9.9.9), compiled once from this checkout's sources into a temporary directory,
/// against the same libraries: two copies of the tool with different versions, as an upgrade leaves them.
/// </summary>
public sealed class SecondToolBuild : IAsyncLifetime
{
    private readonly TempDir _dir = new();

    /// <summary>The second build's <c>outfitter-daemon.dll</c>.</summary>
    public string Dll { get; private set; } = "";

    /// <summary>Its version.</summary>
    public const string Version = "9.9.9";

    public async Task InitializeAsync()
    {
        var root = Artifacts.RepositoryRoot;
        foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json" })
            File.Copy(Path.Combine(root, file), _dir.Combine(file));
        var source = Path.Combine(root, "src", "Host", "Outfitter.Daemon.Tool");
        var project = Directory.CreateDirectory(_dir.Combine("Tool")).FullName;
        foreach (var file in Directory.EnumerateFiles(source, "*.cs").Concat(Directory.EnumerateFiles(source, "*.csproj")))
            File.Copy(file, Path.Combine(project, Path.GetFileName(file)));

        // The copy references the checkout's libraries by absolute path, built already (not rebuilt: another test run
        // may be using them).
        var csproj = Path.Combine(project, "Outfitter.Daemon.Tool.csproj");
        var host = Path.Combine(root, "src", "Host");
        await File.WriteAllTextAsync(csproj, (await File.ReadAllTextAsync(csproj))
            .Replace("../Outfitter.Daemon/", Path.Combine(host, "Outfitter.Daemon") + "/", StringComparison.Ordinal)
            .Replace("../Outfitter.Daemon.Hosting/", Path.Combine(host, "Outfitter.Daemon.Hosting") + "/", StringComparison.Ordinal));

        var info = new ProcessStartInfo(ToolRunner.DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "build", project, "-c", Artifacts.Configuration, "-p:Version=" + Version, "-p:BuildProjectReferences=false", "-nologo", "-v:q" })
            info.ArgumentList.Add(arg);
        using var build = Process.Start(info)!;
        var output = build.StandardOutput.ReadToEndAsync();
        var errors = build.StandardError.ReadToEndAsync();
        await build.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        Assert.True(build.ExitCode == 0, $"Building the second copy failed:\n{await output}\n{await errors}");
        Dll = Path.Combine(project, "bin", Artifacts.Configuration, "net10.0", "outfitter-daemon.dll");
        Assert.True(File.Exists(Dll), $"No {Dll}:\n{await output}");
    }

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>
/// <c>start --replace</c> with two builds of the tool: a daemon of the other build is stopped gracefully and the
/// caller's started, once however many starts race; without --replace, or with the same build, it is kept.
/// </summary>
[Collection(ToolTestBase.Collection)]
public sealed class ToolReplaceTests(SecondToolBuild other) : ToolTestBase, IClassFixture<SecondToolBuild>
{
    private Task<ToolResult> Other(params string[] args) => Tool.RunDotnetAsync(other.Dll, args, ToolRunner.DefaultDeadline);

    [Fact]
    public async Task Replace_restarts_a_daemon_of_another_build_once_and_keeps_one_of_the_same_build()
    {
        var name = NewName("rp");
        var thisVersion = ExpectExit(0, await Tool.RunAsync("--version")).Stdout.Trim();
        Assert.NotEqual(SecondToolBuild.Version, thisVersion);

        // The other build's daemon runs; a plain start of this build keeps it and says which version it is.
        var first = ExpectExit(0, await Other("start", "--name", name, "--json")).Json();
        var oldPid = first.GetProperty("pid").GetInt32();
        Assert.Equal(SecondToolBuild.Version, first.GetProperty("version").GetString());
        var kept = ExpectExit(0, await Tool.RunAsync("start", "--name", name, "--json")).Json();
        Assert.False(kept.GetProperty("started").GetBoolean());
        Assert.Equal(oldPid, kept.GetProperty("pid").GetInt32());
        Assert.Equal(SecondToolBuild.Version, kept.GetProperty("version").GetString());

        // --replace: stopped gracefully (its files go with it), this build started.
        var replaced = ExpectExit(0, await Tool.RunAsync("start", "--name", name, "--replace", "--json")).Json();
        Assert.True(replaced.GetProperty("started").GetBoolean());
        var newPid = replaced.GetProperty("pid").GetInt32();
        Assert.NotEqual(oldPid, newPid);
        Assert.Equal(thisVersion, replaced.GetProperty("version").GetString());
        await WaitUntilGoneAsync(oldPid);
        var status = ExpectExit(0, await Tool.RunAsync("status", "--name", name, "--json")).Json();
        Assert.Equal(thisVersion, status.GetProperty("version").GetString());
        Assert.Equal(newPid, status.GetProperty("pid").GetInt32());

        // The same build with --replace: nothing to replace.
        var same = ExpectExit(0, await Tool.RunAsync("start", "--name", name, "--replace", "--json")).Json();
        Assert.False(same.GetProperty("started").GetBoolean());
        Assert.Equal(newPid, same.GetProperty("pid").GetInt32());
        ExpectExit(0, await Tool.RunAsync("stop", "--name", name));
    }

    [Fact]
    public async Task Of_racing_replacing_starts_one_restarts_and_all_end_on_the_new_daemon()
    {
        var name = NewName("rr");
        var first = ExpectExit(0, await Tool.RunAsync("start", "--name", name, "--json")).Json();
        var oldPid = first.GetProperty("pid").GetInt32();

        var racing = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Other("start", "--name", name, "--replace", "--json")));
        var results = racing.Select(r => ExpectExit(0, r).Json()).ToList();
        var pids = results.Select(r => r.GetProperty("pid").GetInt32()).Distinct().ToList();
        Assert.True(pids.Count == 1, "the racing starts ended on different daemons:\n" + string.Join("\n", racing.Select(r => r.ToString())));
        Assert.NotEqual(oldPid, pids[0]);
        Assert.Equal(1, results.Count(r => r.GetProperty("started").GetBoolean()));
        Assert.All(results, r => Assert.Equal(SecondToolBuild.Version, r.GetProperty("version").GetString()));
        await WaitUntilGoneAsync(oldPid);
        Assert.Equal([pids[0]], RunningDaemons(name));
        ExpectExit(0, await Other("stop", "--name", name));
    }
}
