using System.Diagnostics;
using System.Threading.Channels;

namespace Outfitter.Daemon.IntegrationTests.Support;

/// <summary>
/// A real child process with line-oriented stdin/stdout. Every wait takes a deadline; disposing kills the process if it
/// is still running, so a failed test never leaves children behind.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    /// <summary>How long any single expectation may take on a loaded 2-core machine before the test fails.</summary>
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly System.Text.StringBuilder _stderr = new();

    private ChildProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                _lines.Writer.TryComplete();
            else
                _lines.Writer.TryWrite(e.Data);
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (_stderr)
                    _stderr.AppendLine(e.Data);
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The child's PID.</summary>
    public int Pid => _process.Id;

    /// <summary>The underlying process (exit code, kill).</summary>
    public Process Process => _process;

    /// <summary>What the child wrote on stderr so far (for failure messages).</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
                return _stderr.ToString();
        }
    }

    /// <summary>Starts a .NET program (a built dll) under the same dotnet host that runs the tests.</summary>
    public static ChildProcess StartDotnet(string dll, params string[] args) => Start(DotnetHost(), [dll, .. args]);

    /// <summary>Starts a .NET program with extra environment variables (a null value removes the variable).</summary>
    public static ChildProcess StartDotnet(IReadOnlyDictionary<string, string?> environment, string dll, params string[] args) =>
        Start(environment, DotnetHost(), [dll, .. args]);

    /// <summary>Starts an executable with redirected stdio.</summary>
    public static ChildProcess Start(string fileName, params string[] args) => Start(new Dictionary<string, string?>(), fileName, args);

    /// <summary>Starts an executable with redirected stdio and extra environment variables (a null value removes one).</summary>
    public static ChildProcess Start(IReadOnlyDictionary<string, string?> environment, string fileName, params string[] args)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        foreach (var (name, value) in environment)
        {
            if (value is null)
                info.Environment.Remove(name);
            else
                info.Environment[name] = value;
        }

        return new ChildProcess(Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}."));
    }

    /// <summary>Writes one line to the child's stdin.</summary>
    public void Send(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>Waits for the next stdout line, or fails after the deadline.</summary>
    public async Task<string> NextLineAsync(TimeSpan? deadline = null)
    {
        using var cts = new CancellationTokenSource(deadline ?? DefaultDeadline);
        try
        {
            return await _lines.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Child {Pid} wrote no line within {deadline ?? DefaultDeadline}. stderr: {Stderr}");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"Child {Pid} closed stdout (exited: {_process.HasExited}). stderr: {Stderr}");
        }
    }

    /// <summary>Waits for the process to exit and returns its exit code, or fails after the deadline.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? deadline = null)
    {
        using var cts = new CancellationTokenSource(deadline ?? DefaultDeadline);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Kills the process (SIGKILL on Unix) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await WaitForExitAsync();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }

        _process.Dispose();
    }

    internal static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";
}
