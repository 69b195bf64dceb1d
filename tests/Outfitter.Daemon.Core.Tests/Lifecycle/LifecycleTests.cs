using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Outfitter.Daemon.Core.Lifecycle;
using Xunit;
using static LanguageExt.Prelude;
using StateMachine = Outfitter.Daemon.Core.Lifecycle.Lifecycle;

namespace Outfitter.Daemon.Core.Tests.Lifecycle;

public sealed class LifecycleTests
{
    private const string Name = "svc-42";

    private static readonly DaemonState[] States = Enum.GetValues<DaemonState>();

    private static readonly LifecycleEvent[] Events = Enum.GetValues<LifecycleEvent>();

    /// <summary>
    /// The model, written independently of <see cref="StateMachine.Transition"/>: the reference's five legal
    /// edges. Every pair not listed here is refused.
    /// </summary>
    private static readonly Dictionary<(DaemonState State, LifecycleEvent Event), DaemonState> LegalEdges = new()
    {
        [(DaemonState.Stopped, LifecycleEvent.Start)] = DaemonState.Starting,
        [(DaemonState.Starting, LifecycleEvent.Started)] = DaemonState.Running,
        [(DaemonState.Starting, LifecycleEvent.StartFailed)] = DaemonState.Stopped,
        [(DaemonState.Running, LifecycleEvent.Stop)] = DaemonState.Stopping,
        [(DaemonState.Stopping, LifecycleEvent.Stopped)] = DaemonState.Stopped,
    };

    /// <summary>The model's error code for a refused event: it depends on the event only.</summary>
    private static DaemonErrorCode RefusalCode(LifecycleEvent @event) => @event switch
    {
        LifecycleEvent.Start => DaemonErrorCode.AlreadyRunning,
        LifecycleEvent.Started or LifecycleEvent.StartFailed => DaemonErrorCode.StartFailed,
        LifecycleEvent.Stop or LifecycleEvent.Stopped => DaemonErrorCode.NotRunning,
        _ => throw new ArgumentOutOfRangeException(nameof(@event)),
    };

    private static Either<DaemonError, DaemonState> Transition(DaemonState state, LifecycleEvent @event) =>
        StateMachine.Transition(state, @event, Name);

    // The full table: 4 states × 5 events, each pair exactly once.

    public static TheoryData<DaemonState, LifecycleEvent, DaemonState?, DaemonErrorCode?> Table => new()
    {
        { DaemonState.Stopped, LifecycleEvent.Start, DaemonState.Starting, null },
        { DaemonState.Stopped, LifecycleEvent.Started, null, DaemonErrorCode.StartFailed },
        { DaemonState.Stopped, LifecycleEvent.StartFailed, null, DaemonErrorCode.StartFailed },
        { DaemonState.Stopped, LifecycleEvent.Stop, null, DaemonErrorCode.NotRunning },
        { DaemonState.Stopped, LifecycleEvent.Stopped, null, DaemonErrorCode.NotRunning },

        { DaemonState.Starting, LifecycleEvent.Start, null, DaemonErrorCode.AlreadyRunning },
        { DaemonState.Starting, LifecycleEvent.Started, DaemonState.Running, null },
        { DaemonState.Starting, LifecycleEvent.StartFailed, DaemonState.Stopped, null },
        { DaemonState.Starting, LifecycleEvent.Stop, null, DaemonErrorCode.NotRunning },
        { DaemonState.Starting, LifecycleEvent.Stopped, null, DaemonErrorCode.NotRunning },

        { DaemonState.Running, LifecycleEvent.Start, null, DaemonErrorCode.AlreadyRunning },
        { DaemonState.Running, LifecycleEvent.Started, null, DaemonErrorCode.StartFailed },
        { DaemonState.Running, LifecycleEvent.StartFailed, null, DaemonErrorCode.StartFailed },
        { DaemonState.Running, LifecycleEvent.Stop, DaemonState.Stopping, null },
        { DaemonState.Running, LifecycleEvent.Stopped, null, DaemonErrorCode.NotRunning },

        { DaemonState.Stopping, LifecycleEvent.Start, null, DaemonErrorCode.AlreadyRunning },
        { DaemonState.Stopping, LifecycleEvent.Started, null, DaemonErrorCode.StartFailed },
        { DaemonState.Stopping, LifecycleEvent.StartFailed, null, DaemonErrorCode.StartFailed },
        { DaemonState.Stopping, LifecycleEvent.Stop, null, DaemonErrorCode.NotRunning },
        { DaemonState.Stopping, LifecycleEvent.Stopped, DaemonState.Stopped, null },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Transition_follows_the_reference_table(DaemonState state, LifecycleEvent @event, DaemonState? next, DaemonErrorCode? refusal)
    {
        var result = Transition(state, @event);

        if (next is { } expectedState)
        {
            Assert.Equal(Right<DaemonError, DaemonState>(expectedState), result);
        }
        else
        {
            var error = LeftOf(result);
            Assert.Equal(refusal, error.Code);
            Assert.Contains($"\"{Name}\"", error.Message, StringComparison.Ordinal);
            Assert.Contains(StateMachine.WireName(state), error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_table_lists_every_state_and_event_pair_exactly_once_and_exactly_five_as_legal()
    {
        // Guards the theory above: a missing or duplicated row would leave a pair untested.
        var rows = Table.Select(row => ((DaemonState)row[0], (LifecycleEvent)row[1], row[2] is not null)).ToList();

        Assert.Equal(States.Length * Events.Length, rows.Count);
        Assert.Equal(rows.Count, rows.Select(r => (r.Item1, r.Item2)).Distinct().Count());
        Assert.Equal(LegalEdges.Keys.OrderBy(k => k), rows.Where(r => r.Item3).Select(r => (r.Item1, r.Item2)).OrderBy(k => k));
    }

    [Fact]
    public void A_start_while_running_says_the_daemon_is_already_running()
    {
        var error = LeftOf(Transition(DaemonState.Running, LifecycleEvent.Start));

        Assert.Equal(DaemonErrorCode.AlreadyRunning, error.Code);
        Assert.Equal("Daemon \"svc-42\" is already running.", error.Message);
    }

    [Fact]
    public void A_stop_while_stopped_says_the_daemon_is_not_running()
    {
        var error = LeftOf(Transition(DaemonState.Stopped, LifecycleEvent.Stop));

        Assert.Equal(DaemonErrorCode.NotRunning, error.Code);
        Assert.Equal("Daemon \"svc-42\" is stopped, not running.", error.Message);
    }

    [Theory]
    [InlineData(DaemonState.Stopped, "stopped")]
    [InlineData(DaemonState.Starting, "starting")]
    [InlineData(DaemonState.Running, "running")]
    [InlineData(DaemonState.Stopping, "stopping")]
    public void Wire_names_are_the_reference_lower_case_state_names(DaemonState state, string wireName)
    {
        Assert.Equal(wireName, StateMachine.WireName(state));
    }

    [Theory]
    [InlineData(DaemonState.Stopped, false)]
    [InlineData(DaemonState.Starting, false)]
    [InlineData(DaemonState.Running, true)]
    [InlineData(DaemonState.Stopping, false)]
    public void Only_the_running_state_counts_as_running(DaemonState state, bool running)
    {
        Assert.Equal(running, StateMachine.IsRunning(state));
    }

    [Fact]
    public void An_undefined_state_or_event_is_a_programmer_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => StateMachine.WireName((DaemonState)99));
        Assert.Throws<ArgumentOutOfRangeException>(() => Transition(DaemonState.Stopped, (LifecycleEvent)99));
        Assert.Throws<ArgumentOutOfRangeException>(() => Transition((DaemonState)99, LifecycleEvent.Stop));
    }

    // Properties

    private static Gen<DaemonState> AnyState => Gen.Elements(States);

    private static Gen<LifecycleEvent> AnyEvent => Gen.Elements(Events);

    /// <summary>Daemon names, including empty, blank, quoted and non-ASCII ones: messages must carry them verbatim.</summary>
    private static Gen<string> AnyName =>
        Gen.Frequency(
            (1, Gen.Elements("", " ", "svc", "my-service", "a\"b", "漢字", "stopped")),
            (3, Gen.Choose(1, 12).SelectMany(n => Gen.ArrayOf(Gen.Elements("abcXYZ019-_. \"é".ToCharArray()), n)).Select(cs => new string(cs))));

    /// <summary>
    /// Event sequences biased towards the next legal event, so that runs reach every state often and go round the cycle
    /// several times, mixed with arbitrary (mostly illegal) events.
    /// </summary>
    private static Gen<LifecycleEvent[]> EventSequence =>
        Gen.ArrayOf(
            Gen.Frequency(
                (1, AnyEvent),
                (1, Gen.Elements(LifecycleEvent.Start, LifecycleEvent.Started, LifecycleEvent.Stop, LifecycleEvent.Stopped))));

    /// <summary>A state reached from <see cref="DaemonState.Stopped"/> by applying only the transitions that succeed.</summary>
    private static Gen<DaemonState> ReachableState =>
        EventSequence.Select(events => events.Aggregate(DaemonState.Stopped, (state, e) => Transition(state, e).IfLeft(state)));

    [Property(MaxTest = 300)]
    public Property Runs_from_stopped_agree_with_the_five_edge_model_and_stay_in_defined_states() =>
        Prop.ForAll(
            Arb.From(EventSequence),
            events =>
            {
                var actual = DaemonState.Stopped;
                var model = DaemonState.Stopped;
                foreach (var e in events)
                {
                    var result = Transition(actual, e);
                    if (LegalEdges.TryGetValue((model, e), out var next))
                    {
                        Assert.Equal(Right<DaemonError, DaemonState>(next), result);
                        model = next;
                    }
                    else
                    {
                        Assert.Equal(RefusalCode(e), LeftOf(result).Code);
                    }

                    // The caller keeps its state when the transition is refused.
                    actual = result.IfLeft(actual);
                    Assert.True(Enum.IsDefined(actual), $"undefined state {actual}");
                    Assert.Equal(model, actual);
                }
            });

    [Property]
    public Property Transition_is_refused_exactly_for_the_pairs_outside_the_model_and_never_throws() =>
        Prop.ForAll(
            Arb.From(AnyState.Zip(AnyEvent).Zip(AnyName)),
            c =>
            {
                var ((state, e), name) = c;
                var result = StateMachine.Transition(state, e, name);
                return LegalEdges.TryGetValue((state, e), out var next)
                    ? result == Right<DaemonError, DaemonState>(next)
                    : result.Match(
                        Right: _ => false,
                        Left: error => error.Code == RefusalCode(e)
                                       && error.Message.Contains($"\"{name}\"", StringComparison.Ordinal)
                                       && error.Message.Contains(StateMachine.WireName(state), StringComparison.Ordinal));
            });

    [Property]
    public Property The_outcome_depends_only_on_state_and_event_not_on_the_name_or_on_earlier_calls() =>
        Prop.ForAll(
            Arb.From(
                from state in AnyState
                from e in AnyEvent
                from name1 in AnyName
                from name2 in AnyName
                from noise in Gen.ArrayOf(AnyState.Zip(AnyEvent))
                select (state, e, name1, name2, noise)),
            c =>
            {
                var before = StateMachine.Transition(c.state, c.e, c.name1);

                // Any number of unrelated calls in between, including refused ones, must leave no trace.
                foreach (var (s, e) in c.noise)
                    _ = StateMachine.Transition(s, e, c.name2);

                var again = StateMachine.Transition(c.state, c.e, c.name1);
                var otherName = StateMachine.Transition(c.state, c.e, c.name2);
                return before == again && Outcome(before) == Outcome(otherName);
            });

    [Property]
    public Property Every_run_that_starts_can_be_stopped_and_returns_to_stopped() =>
        Prop.ForAll(
            Arb.From(ReachableState),
            reached =>
            {
                // Drive the daemon back to stopped the way the shell does, then go round the whole cycle once more.
                LifecycleEvent[] toStopped = reached switch
                {
                    DaemonState.Stopped => [],
                    DaemonState.Starting => [LifecycleEvent.Started, LifecycleEvent.Stop, LifecycleEvent.Stopped],
                    DaemonState.Running => [LifecycleEvent.Stop, LifecycleEvent.Stopped],
                    DaemonState.Stopping => [LifecycleEvent.Stopped],
                    _ => throw new ArgumentOutOfRangeException(nameof(reached)),
                };
                LifecycleEvent[] cycle = [LifecycleEvent.Start, LifecycleEvent.Started, LifecycleEvent.Stop, LifecycleEvent.Stopped];

                var state = reached;
                var visited = new List<DaemonState>();
                foreach (var e in toStopped.Concat(cycle))
                {
                    var next = Transition(state, e);
                    if (next.IsLeft)
                        return false.Label($"{e} was refused in {state} on the way from {reached}");
                    state = next.IfLeft(state);
                    visited.Add(state);
                }

                return (state == DaemonState.Stopped
                        && visited.Skip(toStopped.Length).SequenceEqual([DaemonState.Starting, DaemonState.Running, DaemonState.Stopping, DaemonState.Stopped]))
                    .Label($"visited {string.Join(", ", visited)}");
            });

    [Fact]
    public void A_failed_start_returns_to_stopped_and_a_new_start_is_allowed()
    {
        var result = Transition(DaemonState.Stopped, LifecycleEvent.Start)
            .Bind(s => Transition(s, LifecycleEvent.StartFailed))
            .Bind(s => Transition(s, LifecycleEvent.Start));

        Assert.Equal(Right<DaemonError, DaemonState>(DaemonState.Starting), result);
    }

    [Property]
    public Property Is_running_holds_exactly_for_the_running_state() =>
        Prop.ForAll(
            Arb.From(AnyState),
            state => StateMachine.IsRunning(state) == (state == DaemonState.Running));

    [Fact]
    public void Wire_names_are_distinct()
    {
        Assert.Equal(States.Length, States.Select(StateMachine.WireName).Distinct().Count());
    }

    [Fact]
    public void Generated_runs_reach_every_state()
    {
        // Guards the run properties against a generator drift that would keep them near the initial state.
        var reached = Gen.Sample(ReachableState, 500).ToHashSet();

        Assert.Equal(States.ToHashSet(), reached);
    }

    private static DaemonError LeftOf(Either<DaemonError, DaemonState> result) =>
        result.Match(Right: s => throw new Xunit.Sdk.XunitException($"Expected a refusal but got {s}."), Left: e => e);

    /// <summary>The outcome without the message: the next state or the refusal code.</summary>
    private static Either<DaemonErrorCode, DaemonState> Outcome(Either<DaemonError, DaemonState> result) =>
        result.MapLeft(e => e.Code);
}

public sealed class DaemonErrorTests
{
    [Theory]
    [InlineData(DaemonErrorCode.AlreadyRunning, "ALREADY_RUNNING")]
    [InlineData(DaemonErrorCode.NotRunning, "NOT_RUNNING")]
    [InlineData(DaemonErrorCode.ShutdownTimeout, "SHUTDOWN_TIMEOUT")]
    [InlineData(DaemonErrorCode.PidError, "PID_ERROR")]
    [InlineData(DaemonErrorCode.StartFailed, "START_FAILED")]
    public void Every_code_has_the_reference_wire_name(DaemonErrorCode code, string wireName)
    {
        Assert.Equal(wireName, DaemonError.WireName(code));
        Assert.Equal(wireName, new DaemonError(code, "m").CodeName);
    }

    [Fact]
    public void There_are_exactly_the_five_reference_codes_with_distinct_wire_names()
    {
        var codes = Enum.GetValues<DaemonErrorCode>();

        Assert.Equal(5, codes.Length);
        Assert.Equal(codes.Length, codes.Select(DaemonError.WireName).Distinct().Count());
    }

    [Theory]
    [InlineData(DaemonErrorCode.AlreadyRunning, "Daemon \"svc\" is already running.")]
    [InlineData(DaemonErrorCode.PidError, "")]
    [InlineData(DaemonErrorCode.ShutdownTimeout, "2 of 3 did not finish")]
    public void To_string_shows_the_code_name_and_the_message(DaemonErrorCode code, string message)
    {
        var text = new DaemonError(code, message).ToString();

        Assert.Contains(DaemonError.WireName(code), text, StringComparison.Ordinal);
        Assert.Contains(message, text, StringComparison.Ordinal);
        Assert.Equal($"{DaemonError.WireName(code)}: {message}", text);
    }

    [Fact]
    public void An_undefined_code_is_a_programmer_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DaemonError.WireName((DaemonErrorCode)99));
    }

    [Fact]
    public void Errors_with_the_same_code_and_message_are_equal()
    {
        // Tests and callers compare Either<DaemonError, _> values; that relies on value equality.
        Assert.Equal(new DaemonError(DaemonErrorCode.NotRunning, "x"), new DaemonError(DaemonErrorCode.NotRunning, "x"));
        Assert.NotEqual(new DaemonError(DaemonErrorCode.NotRunning, "x"), new DaemonError(DaemonErrorCode.StartFailed, "x"));
        Assert.NotEqual(new DaemonError(DaemonErrorCode.NotRunning, "x"), new DaemonError(DaemonErrorCode.NotRunning, "y"));
    }
}
