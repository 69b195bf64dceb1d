using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Outfitter.Daemon.Core.Locking;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Locking;

/// <summary>Whom <c>stop</c> may signal: only a holder of the kernel lock whose recorded start time matches the live one.</summary>
public sealed class StopDecisionsTests
{
    private static readonly ProcessIdentity Self = new(100, Some(50UL));

    private static LockFileContent OwnedBy(int pid, Option<ulong> startTime = default) =>
        new LockFileContent.Owned(new ProcessIdentity(pid, startTime));

    private static Option<ProcessStatus> Alive(Option<ulong> startTime = default) => Some<ProcessStatus>(new ProcessStatus.Alive(startTime));

    private static Option<ProcessStatus> Dead => Some<ProcessStatus>(new ProcessStatus.Dead());

    private static SignalPermission Decide(KernelLock kernel, LockFileContent content, Option<ProcessStatus> named) =>
        StopDecisions.WhomToSignal(kernel, content, named, Self);

    private static SignalPermission Refused(SignalRefusal reason, Option<int> pid) => new SignalPermission.Refused(reason, pid);

    [Fact]
    public void The_verified_holder_may_be_signalled()
    {
        Assert.Equal(new SignalPermission.Allowed(new ProcessIdentity(200, Some(7UL))), Decide(KernelLock.Held, OwnedBy(200, Some(7UL)), Alive(Some(7UL))));
    }

    [Fact]
    public void A_live_process_named_by_an_unlocked_file_is_never_signalled()
    {
        // The real-process case: the file names an unrelated `sleep`, with its true start time, and nobody holds the lock.
        Assert.Equal(Refused(SignalRefusal.NotLocked, Some(200)), Decide(KernelLock.Free, OwnedBy(200, Some(7UL)), Alive(Some(7UL))));
    }

    [Fact]
    public void A_reused_pid_in_a_held_lock_is_not_signalled()
    {
        // The holder has locked but not yet rewritten its dead predecessor's file; the predecessor's PID now names another process.
        Assert.Equal(Refused(SignalRefusal.PidReused, Some(200)), Decide(KernelLock.Held, OwnedBy(200, Some(7UL)), Alive(Some(8UL))));
    }

    [Fact]
    public void A_dead_predecessor_in_a_held_lock_is_not_signalled()
    {
        Assert.Equal(Refused(SignalRefusal.OwnerDead, Some(200)), Decide(KernelLock.Held, OwnedBy(200, Some(7UL)), Dead));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public void An_unknown_start_time_on_either_side_is_not_signalled(bool recordedKnown, bool liveKnown)
    {
        var content = OwnedBy(200, recordedKnown ? Some(7UL) : None);
        Assert.Equal(Refused(SignalRefusal.StartTimeUnknown, Some(200)), Decide(KernelLock.Held, content, Alive(liveKnown ? Some(7UL) : None)));
    }

    [Fact]
    public void A_held_lock_whose_file_names_no_pid_yet_is_not_signalled()
    {
        Assert.Equal(Refused(SignalRefusal.NoPidInFile, None), Decide(KernelLock.Held, new LockFileContent.Empty(), None));
        Assert.Equal(Refused(SignalRefusal.NoPidInFile, None), Decide(KernelLock.Held, new LockFileContent.Missing(), None));
        Assert.Equal(Refused(SignalRefusal.NoPidInFile, None), Decide(KernelLock.Held, new LockFileContent.Invalid("garbage"), None));
    }

    [Fact]
    public void This_process_is_never_signalled()
    {
        Assert.Equal(Refused(SignalRefusal.NamesSelf, Some(Self.Pid)), Decide(KernelLock.Held, new LockFileContent.Owned(Self), Alive(Self.Start)));
    }

    [Fact]
    public void An_uninspected_process_is_not_signalled()
    {
        Assert.Equal(Refused(SignalRefusal.NotInspected, Some(200)), Decide(KernelLock.Held, OwnedBy(200, Some(7UL)), None));
    }

    [Fact]
    public void Every_refusal_is_explained_with_the_pid_when_there_is_one()
    {
        foreach (var reason in Enum.GetValues<SignalRefusal>())
        {
            var text = StopDecisions.Explain(new SignalPermission.Refused(reason, Some(4242)));
            Assert.False(string.IsNullOrWhiteSpace(text));
            if (reason is not (SignalRefusal.NoPidInFile or SignalRefusal.NamesSelf))
                Assert.Contains("4242", text, StringComparison.Ordinal);
        }
    }

    // Properties over every combination of facts.

    [Property(Arbitrary = new[] { typeof(CoreArbitraries) })]
    public bool Signal_only_when_locked_and_the_named_process_provably_matches(
        KernelLock kernel, LockFileContent content, Option<ProcessStatus> named, ProcessIdentity self)
    {
        var decision = StopDecisions.WhomToSignal(kernel, content, named, self);
        var provable = kernel == KernelLock.Held
            && content is LockFileContent.Owned { Owner: var recorded }
            && recorded.Pid != self.Pid
            && recorded.Start.IsSome
            && named.Exists(s => s is ProcessStatus.Alive alive && alive.StartTime == recorded.Start);
        return provable
            ? decision == new SignalPermission.Allowed(((LockFileContent.Owned)content).Owner)
            : decision is SignalPermission.Refused refused && refused.Named == content.Pid;
    }

    [Property(Arbitrary = new[] { typeof(CoreArbitraries) })]
    public bool A_signalled_process_is_one_the_lock_decision_names_as_the_kernel_lock_holder(
        KernelLock kernel, LockFileContent content, Option<ProcessStatus> named, ProcessIdentity self) =>
        StopDecisions.WhomToSignal(kernel, content, named, self) is not SignalPermission.Allowed allowed
        || LockDecisions.Decide(kernel, content, named, self) == new LockDecision.HeldBy(Some(allowed.Owner.Pid), HeldReason.KernelLock);

    [Property(Arbitrary = new[] { typeof(CoreArbitraries) })]
    public bool An_unlocked_file_is_never_signalled_whoever_it_names(LockFileContent content, Option<ProcessStatus> named, ProcessIdentity self) =>
        StopDecisions.WhomToSignal(KernelLock.Free, content, named, self) == new SignalPermission.Refused(SignalRefusal.NotLocked, content.Pid);

    [Property]
    public Property A_reused_pid_is_never_signalled() =>
        Prop.ForAll(
            Arb.From(
                from pid in Gen.Choose(101, 200)
                from recorded in Generators.AnyStartTime
                from live in Generators.AnyStartTime
                where recorded != live
                select (pid, recorded, live)),
            c => StopDecisions.WhomToSignal(KernelLock.Held, OwnedBy(c.pid, Some(c.recorded)), Alive(Some(c.live)), Self)
                 == new SignalPermission.Refused(SignalRefusal.PidReused, Some(c.pid)));

    [Property]
    public Property A_dead_owner_is_never_signalled() =>
        Prop.ForAll(
            Arb.From(
                from pid in Gen.Choose(101, 200)
                from kernel in Generators.Kernel
                from recorded in Generators.OptionOf(Generators.AnyStartTime)
                select (pid, kernel, recorded)),
            c => StopDecisions.WhomToSignal(c.kernel, OwnedBy(c.pid, c.recorded), Dead, Self) is SignalPermission.Refused);

    [Fact]
    public void The_last_check_before_a_signal_passes_only_the_same_live_process()
    {
        var target = new ProcessIdentity(4242, Some(777UL));
        Assert.Equal(Core.Ports.SignalDelivery.Delivered, StopDecisions.Recheck(target, new ProcessStatus.Alive(Some(777UL))));
        Assert.Equal(Core.Ports.SignalDelivery.Gone, StopDecisions.Recheck(target, new ProcessStatus.Dead()));
        Assert.Equal(Core.Ports.SignalDelivery.NotThatProcess, StopDecisions.Recheck(target, new ProcessStatus.Alive(Some(778UL))));
        Assert.Equal(Core.Ports.SignalDelivery.NotThatProcess, StopDecisions.Recheck(target, new ProcessStatus.Alive(None)));
        Assert.Equal(Core.Ports.SignalDelivery.NotThatProcess, StopDecisions.Recheck(target with { StartTime = null }, new ProcessStatus.Alive(None)));
    }

    [Property]
    public Property The_last_check_agrees_with_the_decision_that_allowed_the_signal() =>
        Prop.ForAll(
            Gen.Choose(101, 10_000).ToArbitrary(),
            Gen.Elements<Option<ulong>>(None, Some(1UL), Some(2UL)).ToArbitrary(),
            Gen.Elements<ProcessStatus>(new ProcessStatus.Dead(), new ProcessStatus.Alive(None), new ProcessStatus.Alive(Some(1UL)), new ProcessStatus.Alive(Some(2UL))).ToArbitrary(),
            (pid, recorded, now) =>
            {
                var allowed = Decide(KernelLock.Held, OwnedBy(pid, recorded), Some(now)) is SignalPermission.Allowed;
                var passes = StopDecisions.Recheck(new ProcessIdentity(pid, recorded), now) == Core.Ports.SignalDelivery.Delivered;
                return allowed == passes;
            });

    [Fact]
    public void A_stop_signals_only_the_holder_it_expects()
    {
        var owner = new ProcessIdentity(200, Some(7UL));
        var allowed = new SignalPermission.Allowed(owner);
        Assert.Equal(new SignalTarget.Send(owner), StopDecisions.Target(allowed, None));
        Assert.Equal(new SignalTarget.Send(owner), StopDecisions.Target(allowed, Some(owner)));
        var before = new ProcessIdentity(200, Some(6UL)); // the same PID, an earlier process
        Assert.Equal(new SignalTarget.OwnerChanged(before, owner), StopDecisions.Target(allowed, Some(before)));
        var refused = new SignalPermission.Refused(SignalRefusal.PidReused, Some(200));
        Assert.Equal(new SignalTarget.Refuse(refused), StopDecisions.Target(refused, Some(owner)));
    }

    [Property(MaxTest = 1000)]
    public Property A_signal_target_is_always_the_verified_holder_and_the_expected_process() =>
        Prop.ForAll(
            (from kernel in Generators.Kernel
             from owner in Generators.Identity
             from live in Generators.OptionOf(Generators.StartTime)
             from dead in Gen.Elements(false, true)
             from expected in Generators.OptionOf(Generators.Identity)
             select (kernel, owner, live, dead, expected)).ToArbitrary(),
            c =>
            {
                var named = Some<ProcessStatus>(c.dead ? new ProcessStatus.Dead() : new ProcessStatus.Alive(c.live));
                var permission = StopDecisions.WhomToSignal(c.kernel, new LockFileContent.Owned(c.owner), named, Self);
                return StopDecisions.Target(permission, c.expected) is not SignalTarget.Send send
                    || (c.kernel == KernelLock.Held && !c.dead && c.owner.Start.IsSome && c.live == c.owner.Start
                        && send.Owner == c.owner && c.owner.Pid != Self.Pid && c.expected.ForAll(e => e == c.owner));
            });

    [Fact]
    public void A_clean_up_deletes_only_stale_or_invalid_lock_files()
    {
        Assert.Equal(new LockFileCleanup.Keep(Some(200)), StopDecisions.Cleanup(new LockDecision.HeldBy(Some(200), HeldReason.LiveOwnerInFile)));
        Assert.IsType<LockFileCleanup.Delete>(StopDecisions.Cleanup(new LockDecision.ReclaimStale(200, StaleReason.OwnerDead)));
        Assert.IsType<LockFileCleanup.Delete>(StopDecisions.Cleanup(new LockDecision.ReclaimInvalid("garbage")));
        Assert.IsType<LockFileCleanup.Delete>(StopDecisions.Cleanup(new LockDecision.Acquire()));
    }

    [Property(MaxTest = 1000)]
    public Property A_clean_up_never_deletes_the_file_of_a_live_owner_it_could_verify() =>
        Prop.ForAll(
            (from owner in Generators.Identity
             from live in Generators.OptionOf(Generators.StartTime)
             select (owner, live)).ToArbitrary(),
            c =>
            {
                // Observed while the clean-up holds the kernel lock (so the kernel says free): the file's word decides.
                var content = new LockFileContent.Owned(c.owner);
                var named = LockDecisions.PidToInspect(content, Self).Map(_ => (ProcessStatus)new ProcessStatus.Alive(c.live));
                var decision = LockDecisions.Decide(KernelLock.Free, content, named, Self);
                var cleanup = StopDecisions.Cleanup(decision);
                return (cleanup is LockFileCleanup.Keep) == decision is LockDecision.HeldBy;
            });
}
