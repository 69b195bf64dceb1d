using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Interop;

/// <summary>
/// The reference TypeScript package (@outfitter/daemon, run by Bun) as a peer for interop tests: the scripts in
/// <c>tests/interop/ts/</c>, their npm dependencies (installed here with <c>npm ci</c> from the committed lock file, so a
/// plain <c>dotnet test</c> works on a fresh clone with Node and npm present), and the Bun executable npm installed.
/// </summary>
/// <remarks>
/// The install runs at most once per test process (a static task) and at most once at a time across processes (an
/// exclusive lock on a file in the temp directory: .NET takes a kernel <c>flock</c> for <see cref="FileShare.None"/> on
/// Unix, released by the kernel if the holder dies; <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING</c> would turn that guard off).
/// A stamp in <c>node_modules</c> records the hash of <c>package.json</c> and <c>package-lock.json</c>, so a changed lock
/// file reinstalls. A failed install fails every interop test with npm's output; it never skips them.
/// </remarks>
public sealed class TypeScriptPeers : IAsyncLifetime
{
    /// <summary>How long <c>npm ci</c> may take (it downloads Bun, about 40 MB, on a fresh machine).</summary>
    private static readonly TimeSpan InstallDeadline = TimeSpan.FromMinutes(10);

    private static readonly object Gate = new();
    private static Task<string>? _install;

    /// <summary>The folder with package.json and the scripts (tests/interop/ts).</summary>
    public static string ScriptsDir { get; } = Path.Combine(FindRepoRoot(), "tests", "interop", "ts");

    /// <summary>The Bun executable installed by npm (set by <see cref="InitializeAsync"/>).</summary>
    public string Bun { get; private set; } = "";

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Task<string> install;
        lock (Gate)
            install = _install ??= Task.Run(InstallOnceAsync);
        Bun = await install;
    }

    /// <inheritdoc />
    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Starts <c>bun SCRIPT ARGS</c> (a script in <see cref="ScriptsDir"/>) with redirected stdio.</summary>
    public ChildProcess Start(string script, params string[] args) =>
        // --no-install: resolve modules from node_modules only; never let Bun fetch a missing package at run time.
        ChildProcess.Start(Bun, ["--no-install", Path.Combine(ScriptsDir, script), .. args]);

    private static async Task<string> InstallOnceAsync()
    {
        var nodeModules = Path.Combine(ScriptsDir, "node_modules");
        var stampPath = Path.Combine(nodeModules, ".outfitter-interop-stamp");
        var stamp = InputsHash();

        using (await AcquireInstallLockAsync(InstallDeadline + TimeSpan.FromMinutes(1)))
        {
            // Checked under the lock: another test process may have installed while we waited.
            var installed = File.Exists(stampPath) && File.ReadAllText(stampPath) == stamp && await FindBunAsync() is not null;
            if (!installed)
            {
                await RunNpmCiAsync();
                File.WriteAllText(stampPath, stamp);
            }
        }

        return await FindBunAsync() ?? throw new InvalidOperationException(
            $"npm ci in {ScriptsDir} succeeded, but no working Bun executable was found under {nodeModules} " +
            "(node_modules/.bin/bun, node_modules/@oven/*/bin/bun). Is the 'bun' package's platform binary available for this machine?");
    }

    private static async Task RunNpmCiAsync()
    {
        var info = new ProcessStartInfo("npm")
        {
            WorkingDirectory = ScriptsDir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "ci", "--no-audit", "--no-fund" })
            info.ArgumentList.Add(arg);

        Process npm;
        try
        {
            npm = Process.Start(info) ?? throw new InvalidOperationException("npm did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"The TypeScript interop tests need Node.js and npm on PATH to install {ScriptsDir} (npm ci); starting npm failed: {e.Message}", e);
        }

        using (npm)
        {
            npm.StandardInput.Close();
            var stdout = npm.StandardOutput.ReadToEndAsync();
            var stderr = npm.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(InstallDeadline);
            try
            {
                await npm.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                npm.Kill(entireProcessTree: true);
                await npm.WaitForExitAsync();
                throw new TimeoutException(
                    $"npm ci in {ScriptsDir} did not finish within {InstallDeadline}.\nstdout:\n{await stdout}\nstderr:\n{await stderr}");
            }

            if (npm.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"npm ci in {ScriptsDir} failed with exit code {npm.ExitCode}.\nstdout:\n{await stdout}\nstderr:\n{await stderr}");
            }
        }
    }

    /// <summary>Opens the install lock exclusively, retrying while another process holds it, until the deadline.</summary>
    private static async Task<FileStream> AcquireInstallLockAsync(TimeSpan deadline)
    {
        // In the temp dir, not in tests/interop/ts: npm ci deletes node_modules, and a lock file must keep its inode.
        var name = "outfitter-interop-npm-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ScriptsDir)))[..16] + ".lock";
        var path = Path.Combine(Path.GetTempPath(), name);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (clock.Elapsed < deadline)
            {
                // Another test process is installing: poll until it is done.
                await Task.Delay(TimeSpan.FromMilliseconds(50));
            }
            catch (IOException e)
            {
                throw new TimeoutException($"Another process held the npm install lock {path} for more than {deadline}.", e);
            }
        }
    }

    /// <summary>The hash of the install's inputs, so a changed package.json or lock file triggers a reinstall.</summary>
    private static string InputsHash()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in new[] { "package.json", "package-lock.json" })
        {
            var path = Path.Combine(ScriptsDir, file);
            if (!File.Exists(path))
                throw new FileNotFoundException($"The interop package is incomplete: {path} is missing.", path);
            sha.AppendData(File.ReadAllBytes(path));
        }

        return Convert.ToHexString(sha.GetHashAndReset());
    }

    /// <summary>
    /// The Bun executable: node_modules/.bin/bun once the 'bun' package's postinstall has put the native binary there, or
    /// the platform package's binary directly (npm run with scripts disabled leaves only a placeholder in .bin).
    /// </summary>
    private static async Task<string?> FindBunAsync()
    {
        var nodeModules = Path.Combine(ScriptsDir, "node_modules");
        var candidates = new List<string> { Path.Combine(nodeModules, ".bin", "bun") };
        var oven = Path.Combine(nodeModules, "@oven");
        if (Directory.Exists(oven))
            candidates.AddRange(Directory.GetDirectories(oven).Select(d => Path.Combine(d, "bin", "bun")));
        foreach (var candidate in candidates)
        {
            if (File.Exists(candidate) && await RunsAsync(candidate))
                return candidate;
        }

        return null;
    }

    /// <summary>Whether <c>BUN --version</c> runs and prints a version (the placeholder script exits non-zero).</summary>
    private static async Task<bool> RunsAsync(string bun)
    {
        Process? probe;
        try
        {
            probe = Process.Start(new ProcessStartInfo(bun, "--version")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // not executable on this machine
        }

        if (probe is null)
            return false;
        using (probe)
        {
            var output = probe.StandardOutput.ReadToEndAsync();
            var errors = probe.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await probe.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                probe.Kill();
                return false;
            }

            await errors;
            return probe.ExitCode == 0 && (await output).Trim().Length > 0;
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Outfitter.Daemon.sln")))
                return dir.FullName;
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} contains Outfitter.Daemon.sln.");
    }
}
