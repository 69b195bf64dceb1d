using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Outfitter.Daemon.Core.Health;
using Outfitter.Daemon.Core.Lifecycle;
using Outfitter.Daemon.Core.Systemd;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Systemd;

/// <summary>
/// Generators for the systemd tests: PIDs from a tiny range (so "meant for us" comes up often), microsecond counts spread
/// over every order of magnitude, fd-name lists from a small alphabet (so duplicates and misses are common), and status
/// texts built from whole atoms, biased towards line breaks.
/// </summary>
internal static class SystemdGenerators
{
    /// <summary>
    /// The largest <c>$WATCHDOG_USEC</c> for which half of it is exact in <see cref="TimeSpan"/> ticks: Core halves in
    /// <c>double</c>, which is exact only while the tick count (5 × usec) stays within 2^53. Larger values are left out of
    /// the exact property; see the report on <c>WatchdogInterval</c>.
    /// </summary>
    public const long MaxExactWatchdogUsec = (1L << 53) / 5;

    /// <summary>None about a quarter of the time, otherwise Some of <paramref name="gen"/>.</summary>
    public static Gen<Option<T>> OptionOf<T>(Gen<T> gen) =>
        Gen.Frequency(
            (1, Gen.Constant(Option<T>.None)),
            (3, gen.Select(x => Option<T>.Some(x))));

    /// <summary>Small positive PIDs, so that the variable's PID often equals ours.</summary>
    public static Gen<int> Pid => Gen.Choose(1, 4);

    /// <summary>A PID variable's text: usually a small PID, sometimes something that is not a PID at all.</summary>
    public static Gen<string> PidText =>
        Gen.Frequency(
            (6, Pid.Select(p => p.ToString(CultureInfo.InvariantCulture))),
            (1, Gen.Elements("", " ", "abc", "-1", "1 ", "0x1", "99999999999")));

    /// <summary>Any non-negative long, all 63 bits random.</summary>
    private static Gen<long> Raw63 =>
        from top in Gen.Choose(0, 1)
        from hi in Gen.Choose(0, int.MaxValue)
        from lo in Gen.Choose(0, int.MaxValue)
        select ((long)top << 62) | ((long)hi << 31) | (uint)lo;

    /// <summary>A long in [1, <paramref name="max"/>] whose bit length is uniform, plus the ends and odd small values.</summary>
    public static Gen<long> PositiveUpTo(long max) =>
        Gen.Frequency(
            (1, Gen.Elements(1L, 2L, 3L, 1_000_000L, 2_000_000L, max - 1, max)),
            (6, from bits in Gen.Choose(1, 63)
                from raw in Raw63
                select 1 + ((raw >> (63 - bits)) % max)));

    /// <summary>Fd names: a few, so that wanted names often match once, twice or not at all.</summary>
    public static Gen<string> FdName => Gen.Elements("a", "b", "c", "http", "https", "unknown");

    /// <summary>The names in <c>$LISTEN_FDNAMES</c>: from none to more than the largest fd count.</summary>
    public static Gen<string[]> FdNames => Gen.Choose(0, 12).SelectMany(n => Gen.ArrayOf(FdName, n));

    /// <summary>The wanted name: usually one that may be in the list, sometimes one that never is.</summary>
    public static Gen<string> WantedName => Gen.Frequency((5, FdName), (1, Gen.Constant("missing")));

    /// <summary>Every character that <see cref="string.ReplaceLineEndings()"/> treats as a line break.</summary>
    public static readonly string[] LineBreaks = { "\n", "\r", "\r\n", "\f", "\u0085", "\u2028", "\u2029" };

    private static readonly string[] PlainAtoms =
    {
        "a", "Z", "0", " ", ";", ":", "=", "(", ")", "\t", "\v", "é", "漢", "😀", "running", "unhealthy: db: down",
    };

    /// <summary>A status text without any line break.</summary>
    public static Gen<string> PlainText =>
        Gen.Choose(0, 12).SelectMany(n => Gen.ArrayOf(Gen.Elements(PlainAtoms), n)).Select(string.Concat);

    /// <summary>A status text that often contains line breaks of every kind, also at either end.</summary>
    public static Gen<string> AnyText =>
        Gen.Choose(0, 12)
            .SelectMany(n => Gen.ArrayOf(Gen.Frequency((3, Gen.Elements(PlainAtoms)), (1, Gen.Elements(LineBreaks))), n))
            .Select(string.Concat);

    /// <summary>
    /// Remaining shutdown budgets: negative, zero, sub-microsecond, anything up to about 24 days with tick parts, and the
    /// extremes that Core accepts (see the report on <c>ExtendTimeout</c> for the last second before MaxValue).
    /// </summary>
    public static Gen<TimeSpan> Remaining =>
        Gen.Frequency(
            (1, Gen.Elements(
                TimeSpan.MinValue, TimeSpan.FromSeconds(-1), TimeSpan.FromTicks(-1), TimeSpan.Zero, TimeSpan.FromTicks(1),
                TimeSpan.FromTicks(9), TimeSpan.FromTicks(10), TimeSpan.FromSeconds(4), TimeSpan.MaxValue - TimeSpan.FromSeconds(1))),
            (4, from ms in Gen.Choose(int.MinValue, int.MaxValue)
                from ticks in Gen.Choose(0, 9_999)
                select TimeSpan.FromTicks((ms * TimeSpan.TicksPerMillisecond) + ticks)));

    /// <summary>Positive shutdown budgets from two ticks to a day, with sub-millisecond parts and the 2 s boundary.</summary>
    public static Gen<TimeSpan> Budget =>
        Gen.Frequency(
            (1, Gen.Elements(
                TimeSpan.FromTicks(2), TimeSpan.FromTicks(3), TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1),
                TimeSpan.FromSeconds(2) - TimeSpan.FromTicks(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2) + TimeSpan.FromTicks(1),
                TimeSpan.FromDays(1))),
            (2, Gen.Choose(2, 20_000_000).Select(ticks => TimeSpan.FromTicks(ticks))),
            (2, from ms in Gen.Choose(0, 86_400_000)
                from ticks in Gen.Choose(2, 9_999)
                select TimeSpan.FromTicks((ms * TimeSpan.TicksPerMillisecond) + ticks)));
}

public sealed class SystemdDecisionsTests
{
    private const int Self = 4242;

    private static SystemdFacts Notify(string? socket) => SystemdFacts.None with { NotifySocket = Optional(socket) };

    private static SystemdFacts Watchdog(string? usec, string? pid = null) =>
        SystemdFacts.None with { WatchdogUsec = Optional(usec), WatchdogPid = Optional(pid) };

    private static SystemdFacts Listen(string? pid, string? fds, string? names = null) =>
        SystemdFacts.None with { ListenPid = Optional(pid), ListenFds = Optional(fds), ListenFdNames = Optional(names) };

    private static string SelfText => Self.ToString(CultureInfo.InvariantCulture);

    private static DaemonHealth Health(params (string Name, CheckOutcome Outcome)[] checks) =>
        HealthAggregation.Aggregate(toSeq(checks.Select(c => (c.Name, c.Outcome, TimeSpan.FromMilliseconds(3)))), TimeSpan.FromSeconds(10));

    /// <summary>The part of a datagram after <c>STATUS=</c>.</summary>
    private static string AfterStatus(string datagram) => datagram[(datagram.IndexOf("STATUS=", StringComparison.Ordinal) + "STATUS=".Length)..];

    // NotifyTarget

    [Fact]
    public void Nothing_is_notified_without_systemd()
    {
        Assert.True(SystemdDecisions.NotifyTarget(SystemdFacts.None).IsNone);
    }

    [Theory]
    [InlineData("")]
    [InlineData("run/systemd/notify")]
    [InlineData("./notify")]
    [InlineData("notify")]
    [InlineData(" /run/systemd/notify")]
    [InlineData("@")]
    public void A_notify_socket_that_is_neither_an_absolute_path_nor_an_abstract_name_is_ignored(string socket)
    {
        Assert.True(SystemdDecisions.NotifyTarget(Notify(socket)).IsNone);
    }

    [Fact]
    public void An_absolute_notify_socket_is_a_filesystem_path()
    {
        Assert.Equal(
            Some(new NotifyAddress("/run/systemd/notify", IsAbstract: false)),
            SystemdDecisions.NotifyTarget(Notify("/run/systemd/notify")));
    }

    [Fact]
    public void An_at_sign_names_the_abstract_namespace_and_is_not_part_of_the_name()
    {
        Assert.Equal(
            Some(new NotifyAddress("foo/bar", IsAbstract: true)),
            SystemdDecisions.NotifyTarget(Notify("@foo/bar")));
    }

    [Property]
    public Property Only_the_first_character_decides_the_kind_of_notify_address() =>
        Prop.ForAll(
            Arb.From(SystemdGenerators.AnyText.Zip(Gen.Elements('/', '@', 'a', '.', ' ', '~'))),
            c =>
            {
                var (rest, first) = c;
                var target = SystemdDecisions.NotifyTarget(Notify(first + rest));
                return first switch
                {
                    '/' => target == Some(new NotifyAddress("/" + rest, false)),
                    '@' when rest.Length == 0 => target.IsNone,
                    '@' => target == Some(new NotifyAddress(rest, true)),
                    _ => target.IsNone,
                };
            });

    // WatchdogInterval

    [Theory]
    [InlineData("3001", 15_005L)]
    [InlineData("30000000", 150_000_000L)]
    public void The_watchdog_is_fed_at_half_its_interval_odd_values_included(string usec, long expectedTicks)
    {
        Assert.Equal(Some(TimeSpan.FromTicks(expectedTicks)), SystemdDecisions.WatchdogInterval(Watchdog(usec), Self));
    }

    [Fact]
    public void Two_seconds_of_watchdog_mean_a_ping_every_second()
    {
        Assert.Equal(Some(TimeSpan.FromSeconds(1)), SystemdDecisions.WatchdogInterval(Watchdog("2000000"), Self));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("3")]
    [InlineData("1999")]
    public void A_watchdog_interval_too_short_for_a_timer_is_fed_every_millisecond(string usec)
    {
        Assert.Equal(Some(SystemdDecisions.ShortestInterval), SystemdDecisions.WatchdogInterval(Watchdog(usec), Self));
    }

    [Theory]
    [InlineData("9223372036854775807")]
    [InlineData("1801439850948199")]
    [InlineData("172800000001")]
    public void A_huge_watchdog_interval_is_fed_at_least_daily_and_never_throws(string usec)
    {
        Assert.Equal(Some(SystemdDecisions.LongestInterval), SystemdDecisions.WatchdogInterval(Watchdog(usec), Self));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("-2000000")]
    [InlineData("abc")]
    [InlineData("2s")]
    [InlineData("1.5")]
    [InlineData("1e6")]
    [InlineData(" ")]
    [InlineData("\t")]
    [InlineData(" 2000000")]
    [InlineData("2000000 ")]
    [InlineData("9223372036854775808")]
    [InlineData("99999999999999999999")]
    public void A_watchdog_interval_that_is_missing_not_positive_or_not_a_number_disables_the_watchdog(string? usec)
    {
        Assert.True(SystemdDecisions.WatchdogInterval(Watchdog(usec), Self).IsNone);
    }

    [Fact]
    public void A_watchdog_meant_for_our_pid_is_fed()
    {
        Assert.Equal(Some(TimeSpan.FromSeconds(1)), SystemdDecisions.WatchdogInterval(Watchdog("2000000", SelfText), Self));
    }

    [Theory]
    [InlineData("4243")]
    [InlineData("1")]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("-4242")]
    [InlineData(" 4242")]
    [InlineData("4242 ")]
    [InlineData("99999999999")]
    public void A_watchdog_meant_for_another_pid_or_an_unreadable_pid_is_ignored(string pid)
    {
        Assert.True(SystemdDecisions.WatchdogInterval(Watchdog("2000000", pid), Self).IsNone);
    }

    [Property]
    public Property Any_positive_interval_meant_for_us_is_halved_exactly() =>
        Prop.ForAll(
            Arb.From(
                from usec in SystemdGenerators.PositiveUpTo(SystemdGenerators.MaxExactWatchdogUsec)
                from self in SystemdGenerators.Pid
                from explicitPid in Gen.Elements(true, false)
                select (usec, self, explicitPid)),
            c =>
            {
                var (usec, self, explicitPid) = c;
                var facts = Watchdog(usec.ToString(CultureInfo.InvariantCulture), explicitPid ? self.ToString(CultureInfo.InvariantCulture) : null);
                var interval = SystemdDecisions.WatchdogInterval(facts, self);

                // usec/2 µs = usec × 5 ticks, with no rounding, kept within what a timer can schedule (1 ms to 1 day).
                var half = usec >= SystemdDecisions.LongestInterval.Ticks / 5 ? SystemdDecisions.LongestInterval : TimeSpan.FromTicks(usec * 5);
                var expected = half < SystemdDecisions.ShortestInterval ? SystemdDecisions.ShortestInterval : half > SystemdDecisions.LongestInterval ? SystemdDecisions.LongestInterval : half;
                return (interval == Some(expected)).Label($"usec={usec}, got {interval}");
            });

    [Property]
    public Property Any_interval_meant_for_another_pid_is_ignored() =>
        Prop.ForAll(
            Arb.From(
                from usec in SystemdGenerators.PositiveUpTo(long.MaxValue)
                from self in SystemdGenerators.Pid
                from other in SystemdGenerators.Pid.Where(p => p != self)
                select (usec, self, other)),
            c =>
            {
                var (usec, self, other) = c;
                var facts = Watchdog(usec.ToString(CultureInfo.InvariantCulture), other.ToString(CultureInfo.InvariantCulture));
                return SystemdDecisions.WatchdogInterval(facts, self).IsNone;
            });

    // ShouldFeedWatchdog

    [Theory]
    [InlineData(WatchdogMode.Always, true, true)]
    [InlineData(WatchdogMode.Always, false, true)]
    [InlineData(WatchdogMode.HealthyOnly, true, true)]
    [InlineData(WatchdogMode.HealthyOnly, false, false)]
    public void The_watchdog_is_fed_always_or_only_while_healthy(WatchdogMode mode, bool healthy, bool feed)
    {
        Assert.Equal(feed, SystemdDecisions.ShouldFeedWatchdog(mode, healthy));
    }

    [Fact]
    public void Every_watchdog_mode_has_a_decision()
    {
        // A mode added later without a decision would throw here rather than in the watchdog loop.
        Assert.All(Enum.GetValues<WatchdogMode>(), mode => SystemdDecisions.ShouldFeedWatchdog(mode, false));
    }

    [Fact]
    public void An_undefined_watchdog_mode_is_a_programmer_error()
    {
        var thrown = Assert.Throws<ArgumentOutOfRangeException>(() => SystemdDecisions.ShouldFeedWatchdog((WatchdogMode)42, true));
        Assert.Equal("mode", thrown.ParamName);
    }

    // ListenFd

    [Fact]
    public void Fds_are_passed_from_3_on()
    {
        Assert.Equal(3, SystemdDecisions.ListenFdsStart);
    }

    [Fact]
    public void No_socket_is_adopted_without_socket_activation()
    {
        Assert.True(SystemdDecisions.ListenFd(SystemdFacts.None, Self, "svc").IsNone);
    }

    [Theory]
    [InlineData(null, "1")]
    [InlineData("4243", "1")]
    [InlineData("", "1")]
    [InlineData("abc", "1")]
    [InlineData(" 4242", "1")]
    [InlineData("4242", null)]
    [InlineData("4242", "")]
    [InlineData("4242", "0")]
    [InlineData("4242", "-1")]
    [InlineData("4242", "abc")]
    [InlineData("4242", " 1")]
    [InlineData("4242", "1.0")]
    [InlineData("4242", "99999999999")]
    public void No_socket_is_adopted_unless_the_sockets_are_for_our_pid_and_at_least_one_was_passed(string? pid, string? fds)
    {
        Assert.True(SystemdDecisions.ListenFd(Listen(pid, fds, "svc"), Self, "svc").IsNone);
    }

    [Theory]
    [InlineData("a:b:c", "3", "a", 3)]
    [InlineData("a:b:c", "3", "b", 4)]
    [InlineData("a:b:c", "3", "c", 5)]
    [InlineData("a:b:b", "3", "b", 4)]
    [InlineData("a:b:c", "3", "d", 3)]
    [InlineData("a:b:c", "2", "c", 3)]
    [InlineData("a:b:c", "1", "b", 3)]
    [InlineData("a", "3", "a", 3)]
    [InlineData(null, "3", "b", 3)]
    [InlineData(null, "1", "svc", 3)]
    public void The_socket_named_as_wanted_is_adopted_else_the_first(string? names, string fds, string wanted, int fd)
    {
        Assert.Equal(Some(fd), SystemdDecisions.ListenFd(Listen(SelfText, fds, names), Self, wanted));
    }

    [Property]
    public Property The_adopted_fd_is_a_passed_one_and_the_first_with_the_wanted_name() =>
        Prop.ForAll(
            Arb.From(
                from self in SystemdGenerators.Pid
                from listenPid in SystemdGenerators.OptionOf(SystemdGenerators.PidText)
                from count in Gen.Choose(1, 10)
                from names in SystemdGenerators.OptionOf(SystemdGenerators.FdNames)
                from wanted in SystemdGenerators.WantedName
                select (self, listenPid, count, names, wanted)),
            c =>
            {
                var (self, listenPid, count, names, wanted) = c;
                var facts = SystemdFacts.None with
                {
                    ListenPid = listenPid,
                    ListenFds = Some(count.ToString(CultureInfo.InvariantCulture)),
                    ListenFdNames = names.Map(n => string.Join(':', n)),
                };
                var fd = SystemdDecisions.ListenFd(facts, self, wanted);

                var forUs = listenPid == Some(self.ToString(CultureInfo.InvariantCulture));
                var index = names.Match(n => System.Array.IndexOf(n, wanted), () => -1);
                var expected = index >= 0 && index < count ? 3 + index : 3;
                return (forUs
                        ? fd == Some(expected) && fd.ForAll(f => f >= 3 && f <= 3 + count - 1)
                        : fd.IsNone)
                    .Label($"pid={listenPid}, count={count}, names={names.Map(n => string.Join(':', n))}, wanted={wanted}, got {fd}");
            });

    // StatusLine

    [Theory]
    [InlineData(DaemonState.Starting, "starting")]
    [InlineData(DaemonState.Running, "running")]
    [InlineData(DaemonState.Stopping, "stopping")]
    [InlineData(DaemonState.Stopped, "stopped")]
    public void Without_health_the_status_is_the_state(DaemonState state, string line)
    {
        Assert.Equal(line, SystemdDecisions.StatusLine(state, None));
    }

    [Fact]
    public void A_healthy_status_counts_the_checks()
    {
        var health = Health(("db", new CheckOutcome.Passed()), ("cache", new CheckOutcome.Passed()));

        Assert.Equal("running; healthy (2 checks)", SystemdDecisions.StatusLine(DaemonState.Running, Some(health)));
    }

    [Fact]
    public void An_unhealthy_status_names_the_failed_check_and_why()
    {
        var health = Health(("db", new CheckOutcome.Failed("down")), ("cache", new CheckOutcome.Passed()));

        Assert.Equal("running; unhealthy: db: down", SystemdDecisions.StatusLine(DaemonState.Running, Some(health)));
    }

    [Fact]
    public void A_failure_message_over_several_lines_still_gives_a_one_line_status()
    {
        var health = Health(("db", new CheckOutcome.Failed("connection\nrefused")));

        Assert.Equal(
            "STATUS=running; unhealthy: db: connection refused",
            SystemdDecisions.Status(SystemdDecisions.StatusLine(DaemonState.Running, Some(health))));
    }

    // Messages

    [Fact]
    public void Ready_names_the_main_pid_and_the_status()
    {
        Assert.Equal("READY=1\nMAINPID=1234\nSTATUS=running", SystemdDecisions.Ready(1234, "running"));
    }

    [Fact]
    public void Stopping_carries_the_status()
    {
        Assert.Equal("STOPPING=1\nSTATUS=stopping", SystemdDecisions.Stopping("stopping"));
    }

    [Fact]
    public void A_status_update_is_only_the_status()
    {
        Assert.Equal("STATUS=running; healthy (1 check)", SystemdDecisions.Status("running; healthy (1 check)"));
    }

    [Fact]
    public void The_watchdog_keep_alive_is_watchdog_1()
    {
        Assert.Equal("WATCHDOG=1", SystemdDecisions.Watchdog);
    }

    [Theory]
    [InlineData("a\nb", "a b")]
    [InlineData("a\r\nb", "a b")]
    [InlineData("a\rb", "a b")]
    [InlineData("a\n\nb", "a  b")]
    [InlineData("\nb\n", " b ")]
    public void Line_breaks_in_a_status_become_spaces(string status, string line)
    {
        Assert.Equal("READY=1\nMAINPID=7\nSTATUS=" + line, SystemdDecisions.Ready(7, status));
        Assert.Equal("STOPPING=1\nSTATUS=" + line, SystemdDecisions.Stopping(status));
        Assert.Equal("STATUS=" + line, SystemdDecisions.Status(status));
    }

    [Property]
    public Property Every_message_keeps_its_status_on_one_line() =>
        Prop.ForAll(
            Arb.From(SystemdGenerators.AnyText.Zip(Gen.Choose(1, int.MaxValue))),
            c =>
            {
                var (status, pid) = c;
                var ready = SystemdDecisions.Ready(pid, status);
                var stopping = SystemdDecisions.Stopping(status);
                var update = SystemdDecisions.Status(status);
                bool OneLine(string datagram) => AfterStatus(datagram).IndexOfAny(['\n', '\r']) < 0;
                return (ready.StartsWith($"READY=1\nMAINPID={pid.ToString(CultureInfo.InvariantCulture)}\nSTATUS=", StringComparison.Ordinal)
                        && stopping.StartsWith("STOPPING=1\nSTATUS=", StringComparison.Ordinal)
                        && update.StartsWith("STATUS=", StringComparison.Ordinal)
                        && OneLine(ready) && OneLine(stopping) && OneLine(update)
                        && ready.Count(ch => ch == '\n') == 2 && stopping.Count(ch => ch == '\n') == 1 && !update.Contains('\n'))
                    .Label($"ready={ready}, stopping={stopping}, status={update}");
            });

    [Property]
    public Property A_status_without_line_breaks_is_sent_unchanged() =>
        Prop.ForAll(
            Arb.From(SystemdGenerators.PlainText),
            status => SystemdDecisions.Status(status) == "STATUS=" + status
                      && AfterStatus(SystemdDecisions.Ready(1, status)) == status
                      && AfterStatus(SystemdDecisions.Stopping(status)) == status);

    // ExtendTimeout and ExtendEvery

    [Theory]
    [InlineData(4_000L, "EXTEND_TIMEOUT_USEC=5000000")]
    [InlineData(0L, "EXTEND_TIMEOUT_USEC=1000000")]
    [InlineData(-1L, "EXTEND_TIMEOUT_USEC=1000000")]
    [InlineData(-60_000L, "EXTEND_TIMEOUT_USEC=1000000")]
    [InlineData(1L, "EXTEND_TIMEOUT_USEC=1001000")]
    [InlineData(30_000L, "EXTEND_TIMEOUT_USEC=31000000")]
    public void Systemd_is_asked_for_the_remaining_budget_plus_a_second(long remainingMs, string message)
    {
        Assert.Equal(message, SystemdDecisions.ExtendTimeout(TimeSpan.FromMilliseconds(remainingMs)));
    }

    [Fact]
    public void Remaining_sub_microsecond_parts_are_dropped()
    {
        Assert.Equal("EXTEND_TIMEOUT_USEC=1000001", SystemdDecisions.ExtendTimeout(TimeSpan.FromTicks(19)));
    }

    [Property]
    public Property The_extension_is_at_least_a_second_and_a_whole_number_of_microseconds() =>
        Prop.ForAll(
            Arb.From(SystemdGenerators.Remaining),
            remaining =>
            {
                var message = SystemdDecisions.ExtendTimeout(remaining);
                const string Prefix = "EXTEND_TIMEOUT_USEC=";
                var parsed = long.TryParse(message.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var usec);
                return (message.StartsWith(Prefix, StringComparison.Ordinal) && parsed && usec >= 1_000_000)
                    .Label($"remaining={remaining}, message={message}");
            });

    [Property]
    public Property The_extension_is_the_remaining_budget_plus_a_second_in_whole_microseconds() =>
        Prop.ForAll(
            Arb.From(SystemdGenerators.Remaining.Where(r => r.Ticks > -(1L << 53) && r.Ticks < 1L << 53)),
            remaining =>
            {
                var expected = (Math.Min(Math.Max(remaining.Ticks, 0), SystemdDecisions.LongestInterval.Ticks) + TimeSpan.TicksPerSecond) / TimeSpan.TicksPerMicrosecond;
                return SystemdDecisions.ExtendTimeout(remaining) == "EXTEND_TIMEOUT_USEC=" + expected.ToString(CultureInfo.InvariantCulture);
            });

    [Theory]
    [InlineData(1L, 1L)]
    [InlineData(100L, 50L)]
    [InlineData(1_000L, 500L)]
    [InlineData(1_998L, 999L)]
    [InlineData(2_000L, 1_000L)]
    [InlineData(5_000L, 1_000L)]
    [InlineData(600_000L, 1_000L)]
    public void The_extension_is_repeated_every_second_or_at_half_a_short_budget(long budgetMs, long everyMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(everyMs), SystemdDecisions.ExtendEvery(TimeSpan.FromMilliseconds(budgetMs)));
    }

    [Fact]
    public void Just_under_two_seconds_is_still_a_short_budget()
    {
        var budget = TimeSpan.FromSeconds(2) - TimeSpan.FromTicks(2);

        Assert.Equal(TimeSpan.FromSeconds(1) - TimeSpan.FromTicks(1), SystemdDecisions.ExtendEvery(budget));
    }

    [Property]
    public Property The_extension_is_repeated_at_a_positive_interval_within_the_budget() =>
        Prop.ForAll(
            Arb.From(SystemdGenerators.Budget),
            budget =>
            {
                var every = SystemdDecisions.ExtendEvery(budget);
                var expected = budget < SystemdDecisions.ShortestInterval * 2
                    ? every == SystemdDecisions.ShortestInterval // never a busy loop, however small the budget
                    : budget < TimeSpan.FromSeconds(2)
                        ? budget.Ticks % 2 == 0 ? every + every == budget : Math.Abs((every + every - budget).Ticks) == 1
                        : every == TimeSpan.FromSeconds(1);
                return (expected && every >= SystemdDecisions.ShortestInterval).Label($"budget={budget.Ticks} ticks, every={every.Ticks} ticks");
            });
}
