using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Outfitter.Daemon.Core.Idle;
using Outfitter.Daemon.Core.Locking;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Idle;

/// <summary>The watch of a process whose exit stops the daemon (<c>ExitWithPid</c>, <c>ExitWithParent</c>).</summary>
public sealed class ProcessWatchTests
{
    private static ProcessStatus Alive(ulong? start) => new ProcessStatus.Alive(start is { } s ? Some(s) : None);

    private static readonly ProcessStatus Dead = new ProcessStatus.Dead();

    [Fact]
    public void A_watched_process_runs_until_it_is_dead_or_its_pid_names_a_process_with_another_start_time()
    {
        var watched = ProcessWatch.Watch(4242, Alive(77), isParent: false);

        Assert.Equal(WatchVerdict.Running, ProcessWatch.Check(watched, Alive(77), Some(1)));
        Assert.Equal(WatchVerdict.Exited, ProcessWatch.Check(watched, Dead, Some(1)));
        Assert.Equal(WatchVerdict.Replaced, ProcessWatch.Check(watched, Alive(78), Some(1)));
        Assert.Equal(WatchVerdict.Running, ProcessWatch.Check(watched, Alive(null), Some(1))); // cannot tell: still the one
    }

    [Fact]
    public void A_process_not_running_when_the_watch_begins_has_exited_even_if_its_pid_is_taken_later()
    {
        var watched = ProcessWatch.Watch(4242, Dead, isParent: false);

        Assert.Equal(WatchVerdict.Exited, ProcessWatch.Check(watched, Alive(5), None));
    }

    [Fact]
    public void A_watched_parent_has_exited_once_this_process_has_another_parent()
    {
        var parent = ProcessWatch.Watch(300, Alive(9), isParent: true);

        Assert.Equal(WatchVerdict.Running, ProcessWatch.Check(parent, Alive(9), Some(300)));
        Assert.Equal(WatchVerdict.Orphaned, ProcessWatch.Check(parent, Alive(9), Some(1)));   // re-parented to init
        Assert.Equal(WatchVerdict.Running, ProcessWatch.Check(parent, Alive(9), None));       // cannot tell (Windows)
        Assert.Contains("parent PID 1", ProcessWatch.Describe(WatchVerdict.Orphaned, Some(1)), StringComparison.Ordinal);
    }

    private static Gen<ProcessStatus> Statuses =>
        Gen.OneOf(Gen.Constant(Dead), Generators.OptionOf(Gen.Choose(0, 3)).Select(s => (ProcessStatus)new ProcessStatus.Alive(s.Map(v => (ulong)v))));

    [Property]
    public Property Only_the_same_live_process_still_running_under_the_same_parent_is_running() =>
        Prop.ForAll(
            Arb.From(
                from atStart in Statuses
                from now in Statuses
                from isParent in Gen.Elements(true, false)
                from parentNow in Generators.OptionOf(Gen.Elements(1, 300))
                select (AtStart: atStart, Now: now, IsParent: isParent, ParentNow: parentNow)),
            c =>
            {
                var watched = ProcessWatch.Watch(300, c.AtStart, c.IsParent);
                var verdict = ProcessWatch.Check(watched, c.Now, c.ParentNow);
                var sameProcess = c.AtStart is ProcessStatus.Alive then && c.Now is ProcessStatus.Alive current
                    && !(then.StartTime.IsSome && current.StartTime.IsSome && then.StartTime != current.StartTime);
                var sameParent = !c.IsParent || c.ParentNow.ForAll(p => p == 300);
                return (ProcessWatch.IsGone(verdict) == !(sameProcess && sameParent)).Label($"{watched}, now {c.Now}, parent {c.ParentNow}: {verdict}");
            });
}
