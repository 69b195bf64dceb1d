using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Outfitter.Daemon.Core.Locking;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Locking;

public sealed class LockDecisionsTests
{
    private static readonly ProcessIdentity Self = new(100, Some(50UL));

    private static LockFileContent OwnedBy(int pid, Option<ulong> startTime = default) =>
        new LockFileContent.Owned(new ProcessIdentity(pid, startTime));

    private static Option<ProcessStatus> Alive(Option<ulong> startTime = default) => Some<ProcessStatus>(new ProcessStatus.Alive(startTime));

    private static Option<ProcessStatus> Dead => Some<ProcessStatus>(new ProcessStatus.Dead());

    private static Option<ProcessStatus> NotInspected => None;

    private static LockDecision Decide(KernelLock kernel, LockFileContent content, Option<ProcessStatus> owner) =>
        LockDecisions.Decide(kernel, content, owner, Self);

    // Kernel lock held

    [Fact]
    public void A_held_kernel_lock_with_no_file_is_held_by_an_unknown_owner()
    {
        Assert.Equal(new LockDecision.HeldBy(None, HeldReason.KernelLock), Decide(KernelLock.Held, new LockFileContent.Missing(), NotInspected));
    }

    [Fact]
    public void A_held_kernel_lock_with_an_empty_file_is_held_by_an_owner_that_has_not_written_yet()
    {
        Assert.Equal(new LockDecision.HeldBy(None, HeldReason.KernelLock), Decide(KernelLock.Held, new LockFileContent.Empty(), NotInspected));
    }

    [Fact]
    public void A_held_kernel_lock_with_an_invalid_file_is_still_held()
    {
        Assert.Equal(new LockDecision.HeldBy(None, HeldReason.KernelLock), Decide(KernelLock.Held, new LockFileContent.Invalid("garbage"), NotInspected));
    }

    [Fact]
    public void A_held_kernel_lock_is_held_by_the_live_pid_named_in_the_file()
    {
        Assert.Equal(new LockDecision.HeldBy(Some(200), HeldReason.KernelLock), Decide(KernelLock.Held, OwnedBy(200, Some(7UL)), Alive(Some(7UL))));
    }

    [Fact]
    public void A_held_kernel_lock_reports_the_named_pid_when_it_was_not_inspected()
    {
        Assert.Equal(new LockDecision.HeldBy(Some(200), HeldReason.KernelLock), Decide(KernelLock.Held, OwnedBy(200), NotInspected));
    }

    [Fact]
    public void A_held_kernel_lock_does_not_report_a_dead_pid_left_in_the_file_by_the_previous_owner()
    {
        // The new owner has locked but not yet written its PID.
        Assert.Equal(new LockDecision.HeldBy(None, HeldReason.KernelLock), Decide(KernelLock.Held, OwnedBy(200, Some(7UL)), Dead));
    }

    [Fact]
    public void A_held_kernel_lock_does_not_report_a_reused_pid_left_in_the_file()
    {
        Assert.Equal(new LockDecision.HeldBy(None, HeldReason.KernelLock), Decide(KernelLock.Held, OwnedBy(200, Some(7UL)), Alive(Some(8UL))));
    }

    [Fact]
    public void A_held_kernel_lock_reports_this_process_when_the_file_is_exactly_what_we_write()
    {
        // Another handle of this very process holds the lock.
        Assert.Equal(
            new LockDecision.HeldBy(Some(Self.Pid), HeldReason.KernelLock),
            Decide(KernelLock.Held, new LockFileContent.Owned(Self), NotInspected));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_held_kernel_lock_does_not_report_our_pid_with_another_or_no_start_time(bool startTimeKnown)
    {
        // Our PID with a start time that is not ours was written by someone else (a foreign or earlier write).
        var content = OwnedBy(Self.Pid, startTimeKnown ? Some(51UL) : None);

        Assert.Equal(new LockDecision.HeldBy(None, HeldReason.KernelLock), Decide(KernelLock.Held, content, NotInspected));
    }

    // Kernel lock free

    [Fact]
    public void No_file_means_acquire()
    {
        Assert.Equal(new LockDecision.Acquire(), Decide(KernelLock.Free, new LockFileContent.Missing(), NotInspected));
    }

    [Fact]
    public void An_empty_file_means_acquire()
    {
        Assert.Equal(new LockDecision.Acquire(), Decide(KernelLock.Free, new LockFileContent.Empty(), NotInspected));
    }

    [Fact]
    public void An_invalid_file_is_reclaimed_with_its_reason()
    {
        Assert.Equal(new LockDecision.ReclaimInvalid("garbage"), Decide(KernelLock.Free, new LockFileContent.Invalid("garbage"), NotInspected));
    }

    [Fact]
    public void A_file_naming_this_process_is_our_own_leftover_even_if_the_status_says_alive()
    {
        Assert.Equal(
            new LockDecision.ReclaimStale(Self.Pid, StaleReason.OwnLeftover),
            Decide(KernelLock.Free, OwnedBy(Self.Pid, Self.Start), Alive(Self.Start)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_dead_owner_is_stale_whether_or_not_its_start_time_is_known(bool startTimeKnown)
    {
        var content = OwnedBy(200, startTimeKnown ? Some(7UL) : None);

        Assert.Equal(new LockDecision.ReclaimStale(200, StaleReason.OwnerDead), Decide(KernelLock.Free, content, Dead));
    }

    [Fact]
    public void A_live_process_with_a_different_start_time_is_a_reused_pid()
    {
        Assert.Equal(new LockDecision.ReclaimStale(200, StaleReason.PidReused), Decide(KernelLock.Free, OwnedBy(200, Some(7UL)), Alive(Some(8UL))));
    }

    [Fact]
    public void A_live_owner_with_the_recorded_start_time_holds_the_lock()
    {
        Assert.Equal(new LockDecision.HeldBy(Some(200), HeldReason.LiveOwnerInFile), Decide(KernelLock.Free, OwnedBy(200, Some(7UL)), Alive(Some(7UL))));
    }

    [Fact]
    public void A_live_owner_in_the_reference_format_holds_the_lock()
    {
        // The TypeScript package records no start time and takes no kernel lock.
        Assert.Equal(new LockDecision.HeldBy(Some(200), HeldReason.LiveOwnerInFile), Decide(KernelLock.Free, OwnedBy(200), Alive(Some(8UL))));
    }

    [Fact]
    public void A_live_owner_whose_start_time_cannot_be_read_holds_the_lock()
    {
        Assert.Equal(new LockDecision.HeldBy(Some(200), HeldReason.LiveOwnerInFile), Decide(KernelLock.Free, OwnedBy(200, Some(7UL)), Alive(None)));
    }

    [Fact]
    public void An_owner_that_was_not_inspected_is_taken_to_be_alive()
    {
        Assert.Equal(new LockDecision.HeldBy(Some(200), HeldReason.LiveOwnerInFile), Decide(KernelLock.Free, OwnedBy(200, Some(7UL)), NotInspected));
    }

    // IsHeld, ShouldRemoveOnRelease, PidToInspect: examples

    [Fact]
    public void Only_held_by_counts_as_held()
    {
        Assert.True(LockDecisions.IsHeld(new LockDecision.HeldBy(None, HeldReason.KernelLock)));
        Assert.True(LockDecisions.IsHeld(new LockDecision.HeldBy(Some(1), HeldReason.LiveOwnerInFile)));
        Assert.False(LockDecisions.IsHeld(new LockDecision.Acquire()));
        Assert.False(LockDecisions.IsHeld(new LockDecision.ReclaimInvalid("x")));
        Assert.False(LockDecisions.IsHeld(new LockDecision.ReclaimStale(1, StaleReason.OwnerDead)));
    }

    [Fact]
    public void Release_removes_the_file_only_while_it_still_names_the_releasing_pid()
    {
        Assert.True(LockDecisions.ShouldRemoveOnRelease(OwnedBy(100), 100));
        Assert.True(LockDecisions.ShouldRemoveOnRelease(OwnedBy(100, Some(9UL)), 100));
        Assert.False(LockDecisions.ShouldRemoveOnRelease(OwnedBy(101), 100));
        Assert.False(LockDecisions.ShouldRemoveOnRelease(new LockFileContent.Missing(), 100));
        Assert.False(LockDecisions.ShouldRemoveOnRelease(new LockFileContent.Empty(), 100));
        Assert.False(LockDecisions.ShouldRemoveOnRelease(new LockFileContent.Invalid("x"), 100));
    }

    [Fact]
    public void Only_another_process_named_in_the_file_is_inspected()
    {
        Assert.Equal(Some(200), LockDecisions.PidToInspect(OwnedBy(200), Self));
        Assert.True(LockDecisions.PidToInspect(OwnedBy(Self.Pid), Self).IsNone);
        Assert.True(LockDecisions.PidToInspect(new LockFileContent.Missing(), Self).IsNone);
        Assert.True(LockDecisions.PidToInspect(new LockFileContent.Empty(), Self).IsNone);
        Assert.True(LockDecisions.PidToInspect(new LockFileContent.Invalid("x"), Self).IsNone);
    }

    // Properties

    /// <summary>Self and a recorded owner with a different PID.</summary>
    private static Gen<(ProcessIdentity Self, ProcessIdentity Other)> SelfAndOther =>
        from self in Generators.Identity
        from offset in Gen.Choose(1, 4)
        from start in Generators.OptionOf(Generators.StartTime)
        select (self, new ProcessIdentity(self.Pid + offset, start));

    /// <summary>
    /// A recorded start time and a live status that cannot be told apart from it: equal, or unknown on either side, or
    /// not inspected at all.
    /// </summary>
    private static Gen<(Option<ulong> Recorded, Option<ProcessStatus> Status)> MatchingOrUnknownLiveOwner =>
        Gen.OneOf(
            Generators.StartTime.Select(a => (Some(a), Alive(Some(a)))),
            Generators.OptionOf(Generators.StartTime).Select(b => (Option<ulong>.None, Alive(b))),
            Generators.OptionOf(Generators.StartTime).Select(a => (a, Alive(None))),
            Generators.OptionOf(Generators.StartTime).Select(a => (a, Option<ProcessStatus>.None)));

    [Property(Arbitrary = new[] { typeof(CoreArbitraries) })]
    public bool A_held_kernel_lock_reports_the_pid_in_the_file_only_when_it_is_plausibly_the_holder(
        LockFileContent content, Option<ProcessStatus> owner, ProcessIdentity self)
    {
        var isExactlySelf = content is LockFileContent.Owned { Owner: var recorded } && recorded == self;
        var expectedPid = isExactlySelf || IsLiveIndistinguishableOther(content, owner, self) ? content.Pid : None;
        return LockDecisions.Decide(KernelLock.Held, content, owner, self) == new LockDecision.HeldBy(expectedPid, HeldReason.KernelLock);
    }

    [Property(Arbitrary = new[] { typeof(CoreArbitraries) })]
    public bool A_free_lock_with_no_or_an_empty_file_is_acquired(bool empty, Option<ProcessStatus> owner, ProcessIdentity self)
    {
        LockFileContent content = empty ? new LockFileContent.Empty() : new LockFileContent.Missing();
        return LockDecisions.Decide(KernelLock.Free, content, owner, self) == new LockDecision.Acquire();
    }

    [Property(Arbitrary = new[] { typeof(CoreArbitraries) })]
    public bool A_free_lock_with_an_invalid_file_is_reclaimed_as_invalid(NonEmptyString reason, Option<ProcessStatus> owner, ProcessIdentity self) =>
        LockDecisions.Decide(KernelLock.Free, new LockFileContent.Invalid(reason.Get), owner, self) == new LockDecision.ReclaimInvalid(reason.Get);

    [Property(Arbitrary = new[] { typeof(CoreArbitraries) })]
    public bool A_free_lock_naming_this_process_is_our_leftover_whatever_its_status(ProcessIdentity self, Option<ProcessStatus> owner, bool sameStartTime)
    {
        var recorded = sameStartTime ? self : self with { StartTime = self.StartTime + 1 };
        var content = new LockFileContent.Owned(recorded);
        return LockDecisions.Decide(KernelLock.Free, content, owner, self) == new LockDecision.ReclaimStale(self.Pid, StaleReason.OwnLeftover);
    }

    [Property]
    public Property A_free_lock_naming_a_dead_process_is_stale() =>
        Prop.ForAll(
            Arb.From(SelfAndOther),
            pair => LockDecisions.Decide(KernelLock.Free, new LockFileContent.Owned(pair.Other), Dead, pair.Self)
                    == new LockDecision.ReclaimStale(pair.Other.Pid, StaleReason.OwnerDead));

    [Property]
    public Property A_free_lock_naming_a_live_process_with_another_start_time_is_a_reused_pid() =>
        Prop.ForAll(
            Arb.From(
                from pair in SelfAndOther
                from recorded in Generators.StartTime.Select(st => st % 1000)
                from difference in Gen.Choose(1, 5)
                select (pair.Self, Other: pair.Other with { StartTime = recorded }, Observed: recorded + (ulong)difference)),
            c => LockDecisions.Decide(KernelLock.Free, new LockFileContent.Owned(c.Other), Alive(Some(c.Observed)), c.Self)
                 == new LockDecision.ReclaimStale(c.Other.Pid, StaleReason.PidReused));

    [Property]
    public Property A_free_lock_naming_a_live_matching_or_unknown_owner_is_held_by_that_owner() =>
        Prop.ForAll(
            Arb.From(SelfAndOther.Zip(MatchingOrUnknownLiveOwner)),
            c =>
            {
                var ((self, other), (recorded, status)) = c;
                var content = new LockFileContent.Owned(new ProcessIdentity(other.Pid, recorded));
                return LockDecisions.Decide(KernelLock.Free, content, status, self)
                       == new LockDecision.HeldBy(Some(other.Pid), HeldReason.LiveOwnerInFile);
            });

    [Property(Arbitrary = new[] { typeof(CoreArbitraries) })]
    public bool Safety_a_live_owner_that_matches_or_cannot_be_told_apart_is_never_reclaimed(
        KernelLock kernel, LockFileContent content, Option<ProcessStatus> owner, ProcessIdentity self)
    {
        var decision = LockDecisions.Decide(kernel, content, owner, self);
        return !IsLiveIndistinguishableOther(content, owner, self)
               || (decision is LockDecision.HeldBy held && held.NamedPid == content.Pid);
    }

    [Property(Arbitrary = new[] { typeof(CoreArbitraries) })]
    public bool Safety_a_held_kernel_lock_is_never_reclaimed_or_acquired(LockFileContent content, Option<ProcessStatus> owner, ProcessIdentity self) =>
        LockDecisions.Decide(KernelLock.Held, content, owner, self) is LockDecision.HeldBy;

    [Property(Arbitrary = new[] { typeof(CoreArbitraries) })]
    public bool Is_held_exactly_when_the_decision_is_held_by(KernelLock kernel, LockFileContent content, Option<ProcessStatus> owner, ProcessIdentity self)
    {
        var decision = LockDecisions.Decide(kernel, content, owner, self);
        return LockDecisions.IsHeld(decision) == decision is LockDecision.HeldBy;
    }

    [Property(Arbitrary = new[] { typeof(CoreArbitraries) })]
    public bool Is_held_exactly_when_a_kernel_lock_or_a_live_indistinguishable_owner_exists(
        KernelLock kernel, LockFileContent content, Option<ProcessStatus> owner, ProcessIdentity self)
    {
        var expected = kernel == KernelLock.Held || IsLiveIndistinguishableOther(content, owner, self);
        return LockDecisions.IsHeld(LockDecisions.Decide(kernel, content, owner, self)) == expected;
    }

    [Property(Arbitrary = new[] { typeof(CoreArbitraries) })]
    public bool Release_removes_the_file_exactly_when_it_names_the_releasing_pid(LockFileContent content, ProcessIdentity releasing) =>
        LockDecisions.ShouldRemoveOnRelease(content, releasing.Pid)
        == (content is LockFileContent.Owned owned && owned.Owner.Pid == releasing.Pid);

    [Property(Arbitrary = new[] { typeof(CoreArbitraries) })]
    public bool The_pid_to_inspect_is_the_named_pid_unless_it_is_self(LockFileContent content, ProcessIdentity self) =>
        LockDecisions.PidToInspect(content, self)
        == (content is LockFileContent.Owned owned && owned.Owner.Pid != self.Pid ? Some(owned.Owner.Pid) : Option<int>.None);

    [Property(Arbitrary = new[] { typeof(CoreArbitraries) })]
    public bool When_nothing_needs_inspecting_the_owner_status_does_not_change_the_decision(
        KernelLock kernel, LockFileContent content, Option<ProcessStatus> owner, ProcessIdentity self)
    {
        // The shell skips inspection when PidToInspect is None; that must not change the outcome.
        return LockDecisions.PidToInspect(content, self).IsSome
               || LockDecisions.Decide(kernel, content, owner, self) == LockDecisions.Decide(kernel, content, NotInspected, self);
    }

    [Fact]
    public void Generated_inputs_cover_every_decision()
    {
        // Guards the properties above against a generator drift that would make them vacuous.
        var decisions = Gen.Sample(
            from kernel in Generators.Kernel
            from content in Generators.Content
            from owner in Generators.OwnerStatus
            from self in Generators.Identity
            select LockDecisions.Decide(kernel, content, owner, self),
            2000);

        Assert.Contains(decisions, d => d is LockDecision.Acquire);
        Assert.Contains(decisions, d => d is LockDecision.ReclaimInvalid);
        Assert.Contains(decisions, d => d is LockDecision.ReclaimStale { Reason: StaleReason.OwnerDead });
        Assert.Contains(decisions, d => d is LockDecision.ReclaimStale { Reason: StaleReason.PidReused });
        Assert.Contains(decisions, d => d is LockDecision.ReclaimStale { Reason: StaleReason.OwnLeftover });
        Assert.Contains(decisions, d => d is LockDecision.HeldBy { Reason: HeldReason.KernelLock });
        Assert.Contains(decisions, d => d is LockDecision.HeldBy { Reason: HeldReason.LiveOwnerInFile });
    }

    /// <summary>
    /// The specification of a live owner we must honour, written independently of the implementation: the file names
    /// another process, and it was not inspected, or it is alive and its start time matches or is unknown on either side.
    /// </summary>
    private static bool IsLiveIndistinguishableOther(LockFileContent content, Option<ProcessStatus> owner, ProcessIdentity self) =>
        content is LockFileContent.Owned { Owner: var recorded }
        && recorded.Pid != self.Pid
        && owner.Match(
            None: () => true,
            Some: status => status is ProcessStatus.Alive alive
                            && (recorded.Start.IsNone || alive.StartTime.IsNone || recorded.Start == alive.StartTime));
}
