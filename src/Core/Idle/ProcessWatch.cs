using LanguageExt;
using Outfitter.Daemon.Core.Locking;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Idle;

/// <summary>What a check of a watched process found.</summary>
internal enum WatchVerdict
{
    /// <summary>It still runs (or nothing says otherwise).</summary>
    Running,

    /// <summary>It has exited (or was not running when the watch began).</summary>
    Exited,

    /// <summary>Its PID now names a process with another start time: it exited and the PID was reused.</summary>
    Replaced,

    /// <summary>The watched parent is no longer this process's parent: it exited and this process was re-parented.</summary>
    Orphaned,
}

/// <summary>A process the daemon outlives by at most one check: the one given by <c>ExitWithPid</c>, or its parent.</summary>
/// <param name="Pid">Its PID.</param>
/// <param name="StartTime">Its start-time token when the watch began, when readable (tells a reused PID apart).</param>
/// <param name="IsParent">Whether it is this process's parent (<c>ExitWithParent</c>): re-parenting then also means it exited.</param>
/// <param name="AliveAtStart">Whether it was running when the watch began.</param>
internal sealed record WatchedProcess(int Pid, Option<ulong> StartTime, bool IsParent, bool AliveAtStart);

/// <summary>
/// The watch of a process whose exit stops the daemon (<c>ExitWithPid</c>, <c>ExitWithParent</c>), decided purely from
/// what the process table says at each check. A PID is never trusted alone: once its start time is known, a live process
/// with another start time is a reuse, not the watched process.
/// </summary>
internal static class ProcessWatch
{
    /// <summary>How often a watched process is checked, and so the most the daemon outlives it by.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>Begins watching <paramref name="pid"/>, whose status when the watch begins is <paramref name="atStart"/>.</summary>
    public static WatchedProcess Watch(int pid, ProcessStatus atStart, bool isParent) =>
        atStart is ProcessStatus.Alive alive
            ? new WatchedProcess(pid, alive.StartTime, isParent, AliveAtStart: true)
            : new WatchedProcess(pid, None, isParent, AliveAtStart: false);

    /// <summary>
    /// Whether <paramref name="watched"/> still runs, given its status now and, for a parent, this process's parent PID
    /// now (<paramref name="parentNow"/>; None when it cannot be told).
    /// </summary>
    public static WatchVerdict Check(WatchedProcess watched, ProcessStatus now, Option<int> parentNow)
    {
        if (!watched.AliveAtStart || now is not ProcessStatus.Alive alive)
            return WatchVerdict.Exited;
        var reused = from then in watched.StartTime
                     from current in alive.StartTime
                     select then != current;
        if (reused.IfNone(false))
            return WatchVerdict.Replaced;
        if (watched.IsParent && parentNow.Exists(p => p != watched.Pid))
            return WatchVerdict.Orphaned;
        return WatchVerdict.Running;
    }

    /// <summary>Whether the verdict means the watched process is gone.</summary>
    public static bool IsGone(WatchVerdict verdict) => verdict != WatchVerdict.Running;

    /// <summary>Words for the log: how the process was found gone.</summary>
    public static string Describe(WatchVerdict verdict, Option<int> parentNow) => verdict switch
    {
        WatchVerdict.Exited => "it exited",
        WatchVerdict.Replaced => "it exited; its PID now names another process",
        WatchVerdict.Orphaned => parentNow.Match(p => $"it exited; this process now has parent PID {p}", () => "it exited"),
        _ => "it is running",
    };
}
