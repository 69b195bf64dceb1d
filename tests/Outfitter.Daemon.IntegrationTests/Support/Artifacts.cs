namespace Outfitter.Daemon.IntegrationTests.Support;

/// <summary>Locates the sibling programs the tests start as child processes (built by the project references).</summary>
public static class Artifacts
{
    /// <summary>The test helper program's dll.</summary>
    public static string TestHelperDll => Sibling("Outfitter.Daemon.TestHelper", "outfitter-test-helper.dll");

    /// <summary>The outfitter-daemon tool's dll.</summary>
    public static string ToolDll => Sibling(Path.Combine("..", "src", "Host", "Outfitter.Daemon.Tool"), "outfitter-daemon.dll");

    /// <summary>The Generic Host sample (samples/HostedDaemon), the README's Program.cs.</summary>
    public static string HostedSampleDll => Sibling(Path.Combine("..", "samples", "HostedDaemon"), "HostedDaemon.dll");

    /// <summary>The build configuration this test assembly was built in (Debug or Release), read from its folder.</summary>
    public static string Configuration => new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    /// <summary>The repository's root: the folder above this assembly that holds Outfitter.Daemon.sln.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Outfitter.Daemon.sln")))
                    return dir.FullName;
            }

            throw new InvalidOperationException($"No Outfitter.Daemon.sln above {AppContext.BaseDirectory}.");
        }
    }

    private static string Sibling(string projectDir, string dll)
    {
        // This assembly runs from tests/Outfitter.Daemon.IntegrationTests/bin/<Configuration>/<tfm>/.
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var tfm = here.Name;
        var configuration = here.Parent!.Name;
        var testsDir = here.Parent!.Parent!.Parent!.Parent!.FullName;
        var path = Path.GetFullPath(Path.Combine(testsDir, projectDir, "bin", configuration, tfm, dll));
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build {dll} first (expected at {path}).", path);
    }
}
