using LanguageExt;
using Outfitter.Daemon.Core.Errors;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Testing;

/// <summary>
/// A launcher over <see cref="FakeOs"/>: each spawn starts a simulated process (a fresh PID, or one queued with
/// <see cref="ReusePid"/>) and runs <see cref="OnStart"/> synchronously as that process's start-up, which may take the
/// lock and listen on the in-memory transport, or exit with a code at once. Logs are in memory. Every kill is recorded
/// (<see cref="Killed"/>), and a kill only ever reaches the very process spawned (PID and start time). Thread-safe.
/// </summary>
public sealed class FakeLauncher : IDaemonLauncher
{
    private readonly object _gate = new();
    private readonly FakeOs _os;
    private readonly Queue<int> _reuse = new();
    private readonly List<FakeSpawn> _spawns = new();
    private readonly List<ProcessIdentity> _killed = new();
    private readonly Dictionary<string, List<string>> _logs = new(StringComparer.Ordinal);
    private readonly Dictionary<(int Pid, ulong Start), int> _exitCodes = new();
    private int _nextPid = 40000;

    /// <summary>Creates the launcher; spawned processes live on <paramref name="os"/>.</summary>
    public FakeLauncher(FakeOs os) => _os = os ?? throw new ArgumentNullException(nameof(os));

    /// <summary>
    /// The start-up of a spawned process, run inside <see cref="IDaemonLauncher.Spawn"/>: null keeps it running, a number makes it exit
    /// with that code (its kernel locks are released, as when a real process exits). Default: keeps running, does nothing.
    /// </summary>
    public Func<FakeLaunchContext, int?> OnStart { get; set; } = _ => null;

    /// <summary>When it gives a message for a launch, the spawn fails with it (no such program, …); null lets the spawn go ahead.</summary>
    public Func<DaemonLaunch, string?> FailSpawn { get; set; } = _ => null;

    /// <summary>What <see cref="IDaemonLauncher.ThisProgram"/> reports (default <c>/usr/local/bin/fake-daemon</c>, no leading arguments).</summary>
    public DaemonProgram Program { get; set; } = new("/usr/local/bin/fake-daemon", Seq<string>());

    /// <summary>Every spawn so far, in order.</summary>
    public IReadOnlyList<FakeSpawn> Spawns
    {
        get
        {
            lock (_gate)
                return _spawns.ToList();
        }
    }

    /// <summary>Every process killed through a spawned handle (PID and start time).</summary>
    public IReadOnlyList<ProcessIdentity> Killed
    {
        get
        {
            lock (_gate)
                return _killed.ToList();
        }
    }

    /// <summary>The next spawn gets <paramref name="pid"/> (if it is not running then): PID reuse.</summary>
    public void ReusePid(int pid)
    {
        lock (_gate)
            _reuse.Enqueue(pid);
    }

    /// <summary>Appends a line to the in-memory log at <paramref name="logPath"/>.</summary>
    public void AppendLog(string logPath, string line)
    {
        lock (_gate)
        {
            if (!_logs.TryGetValue(logPath, out var lines))
                _logs[logPath] = lines = new List<string>();
            lines.Add(line);
        }
    }

    /// <summary>Makes the spawned process <paramref name="pid"/> exit with <paramref name="code"/> (its locks are released).</summary>
    public void Exit(int pid, int code)
    {
        if (_os.StartTimeOf(pid) is not { } start)
            return;
        lock (_gate)
            _exitCodes[(pid, start)] = code;
        _os.Crash(pid);
    }

    /// <inheritdoc />
    Fin<ISpawnedProcess> IDaemonLauncher.Spawn(DaemonLaunch launch)
    {
        ArgumentNullException.ThrowIfNull(launch);
        if (FailSpawn(launch) is { } refused)
            return OsErrors.Io(refused);

        FakeOs.ProcessView view;
        int index;
        lock (_gate)
        {
            view = _os.Start(NextPid());
            index = _spawns.Count;
            _spawns.Add(new FakeSpawn(view.Current, launch));
        }

        var exit = OnStart(new FakeLaunchContext(view, launch, index, this));
        if (exit is { } code)
            Exit(view.Current.Pid, code);
        return new FakeSpawned(this, view.Current);
    }

    /// <inheritdoc />
    Option<string> IDaemonLauncher.LogTail(string logPath, int lines)
    {
        lock (_gate)
            return _logs.TryGetValue(logPath, out var all) ? Some(string.Join("\n", all.TakeLast(lines))) : None;
    }

    /// <inheritdoc />
    Fin<DaemonProgram> IDaemonLauncher.ThisProgram() => Program;

    private int NextPid()
    {
        while (_reuse.Count > 0)
        {
            var pid = _reuse.Dequeue();
            if (!_os.IsRunning(pid))
                return pid;
        }

        while (_os.IsRunning(_nextPid))
            _nextPid++;
        return _nextPid++;
    }

    private sealed class FakeSpawned(FakeLauncher launcher, ProcessIdentity identity) : ISpawnedProcess
    {
        public int Pid => identity.Pid;

        public SpawnedProcessState Observe()
        {
            if (launcher._os.StartTimeOf(identity.Pid) is { } st && st == identity.StartTime)
                return new SpawnedProcessState.Running();
            lock (launcher._gate)
            {
                // A process that was crashed without an exit code ended as SIGKILL ends one on Unix: 128 + 9.
                return new SpawnedProcessState.Exited(Some(launcher._exitCodes.TryGetValue((identity.Pid, identity.StartTime.GetValueOrDefault()), out var code) ? code : 137));
            }
        }

        public Fin<Unit> Kill()
        {
            lock (launcher._gate)
            {
                if (launcher._os.StartTimeOf(identity.Pid) is not { } st || st != identity.StartTime)
                    return unit; // already gone; the PID may belong to someone else now, who is left alone
                launcher._killed.Add(identity);
                launcher._exitCodes[(identity.Pid, identity.StartTime.GetValueOrDefault())] = 137;
            }

            launcher._os.Crash(identity.Pid);
            return unit;
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>A spawn made by <see cref="FakeLauncher"/>: the process it created and what it was asked to start.</summary>
/// <param name="Process">The spawned process (PID and start time).</param>
/// <param name="Launch">The launch description.</param>
public sealed record FakeSpawn(ProcessIdentity Process, DaemonLaunch Launch);

/// <summary>What a spawned process's start-up sees.</summary>
/// <param name="Process">Its own view of the simulated OS (lock files, process table, signals).</param>
/// <param name="Launch">What it was started with.</param>
/// <param name="Index">Which spawn this is (0 for the first).</param>
/// <param name="Launcher">The launcher (for its log).</param>
public sealed record FakeLaunchContext(FakeOs.ProcessView Process, DaemonLaunch Launch, int Index, FakeLauncher Launcher);
