using LanguageExt;

namespace Outfitter.Daemon.Core.Ports;

/// <summary>
/// How to start a daemon in the background: the program, its arguments (passed as they are, no shell parsing), its
/// working directory and extra environment, and the log its stdout and stderr are appended to.
/// </summary>
/// <param name="FileName">The program.</param>
/// <param name="Arguments">Its arguments.</param>
/// <param name="WorkingDirectory">The working directory; None: the caller's.</param>
/// <param name="Environment">Extra variables; a None value removes the variable.</param>
/// <param name="LogPath">Where stdout and stderr go (appended; the directory is created).</param>
public sealed record DaemonLaunch(
    string FileName,
    Seq<string> Arguments,
    Option<string> WorkingDirectory,
    Seq<(string Name, Option<string> Value)> Environment,
    string LogPath);

/// <summary>How to start a program: its executable and the arguments that go before the caller's own.</summary>
/// <param name="FileName">The executable.</param>
/// <param name="LeadingArguments">Arguments that always come first (for <c>dotnet app.dll</c>, the dll).</param>
public sealed record DaemonProgram(string FileName, Seq<string> LeadingArguments);

/// <summary>What a spawned process is doing now: a closed set of cases.</summary>
public abstract record SpawnedProcessState
{
    private SpawnedProcessState()
    {
    }

    /// <summary>It is still running.</summary>
    public sealed record Running : SpawnedProcessState;

    /// <summary>It has exited; <paramref name="ExitCode"/> when the OS reported one (a signal gives 128 + its number on Unix).</summary>
    public sealed record Exited(Option<int> ExitCode) : SpawnedProcessState;
}

/// <summary>
/// Port: starts daemons detached from the caller (their own session, stdin from nowhere, output appended to a log), so
/// they outlive the terminal and the process that started them. Adapter: <c>/bin/sh</c> + <c>exec setsid</c> on Unix,
/// a window-less process on Windows. Never throws for an expected failure. Thread-safe.
/// </summary>
public interface IDaemonLauncher
{
    /// <summary>Starts <paramref name="launch"/>; the started process (the caller disposes it), or why it could not be started.</summary>
    Fin<ISpawnedProcess> Spawn(DaemonLaunch launch);

    /// <summary>The last <paramref name="lines"/> lines of the log at <paramref name="logPath"/>; None when there is none or it cannot be read.</summary>
    Option<string> LogTail(string logPath, int lines);

    /// <summary>
    /// How to start this very program again (an apphost, or the dotnet host plus the entry dll); fails when the OS
    /// cannot tell where it lives.
    /// </summary>
    Fin<DaemonProgram> ThisProgram();
}

/// <summary>
/// A process this launcher started. It knows its own child (the OS reaps it for us), so observing and killing it never
/// touch another process that reuses its PID. Disposing forgets the child; it does not stop it. Thread-safe.
/// </summary>
public interface ISpawnedProcess : IDisposable
{
    /// <summary>Its PID.</summary>
    int Pid { get; }

    /// <summary>Whether it still runs, or how it exited.</summary>
    SpawnedProcessState Observe();

    /// <summary>Kills it (and what it started) if it still runs; a process that already exited is fine.</summary>
    Fin<Unit> Kill();
}
