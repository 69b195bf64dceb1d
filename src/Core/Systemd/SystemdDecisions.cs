using System.Globalization;
using LanguageExt;
using Outfitter.Daemon.Core.Health;
using Outfitter.Daemon.Core.Lifecycle;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Systemd;

/// <summary>
/// Pure systemd decisions: where to notify, whether and how often to feed the watchdog, which inherited socket to adopt,
/// and what each message says. The shell reads the variables and sends the datagrams. See docs/adr/0006-systemd.md.
/// </summary>
internal static class SystemdDecisions
{
    /// <summary>The first passed file descriptor (<c>SD_LISTEN_FDS_START</c>).</summary>
    public const int ListenFdsStart = 3;

    /// <summary>Where to send notifications: None without <c>$NOTIFY_SOCKET</c> (then nothing is sent, and nothing fails).</summary>
    public static Option<NotifyAddress> NotifyTarget(SystemdFacts facts) =>
        facts.NotifySocket.Filter(s => s.Length > 0).Bind<NotifyAddress>(s =>
            s[0] == '@' ? (s.Length > 1 ? Some(new NotifyAddress(s[1..], true)) : None)
            : s[0] == '/' ? Some(new NotifyAddress(s, false))
            : None);

    /// <summary>
    /// How often to feed the watchdog: half of <c>$WATCHDOG_USEC</c>, when it is set, positive, and meant for us
    /// (<c>$WATCHDOG_PID</c> absent or equal to our PID). None otherwise.
    /// </summary>
    public static Option<TimeSpan> WatchdogInterval(SystemdFacts facts, int selfPid)
    {
        var forUs = facts.WatchdogPid.Match(
            Some: p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid == selfPid,
            None: () => true);
        return forUs
            ? facts.WatchdogUsec.Bind(u => long.TryParse(u, NumberStyles.None, CultureInfo.InvariantCulture, out var usec) && usec > 0 ? Some(Half(usec)) : None)
            : None;
    }

    /// <summary>The shortest and longest intervals we schedule (timers take 1 ms to ~49 days; a day is plenty).</summary>
    public static readonly TimeSpan ShortestInterval = TimeSpan.FromMilliseconds(1);

    /// <inheritdoc cref="ShortestInterval"/>
    public static readonly TimeSpan LongestInterval = TimeSpan.FromDays(1);

    // Half of usec microseconds, exactly, in ticks (1 µs = 10 ticks), kept within what a timer can schedule.
    private static TimeSpan Half(long usec) =>
        usec >= LongestInterval.Ticks / 5 ? LongestInterval : Clamp(TimeSpan.FromTicks(usec * 5));

    private static TimeSpan Clamp(TimeSpan interval) =>
        interval < ShortestInterval ? ShortestInterval : interval > LongestInterval ? LongestInterval : interval;

    /// <summary>Whether to send <c>WATCHDOG=1</c> now.</summary>
    public static bool ShouldFeedWatchdog(WatchdogMode mode, bool healthy) => mode switch
    {
        WatchdogMode.Always => true,
        WatchdogMode.HealthyOnly => healthy,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown watchdog mode."),
    };

    /// <summary>
    /// Which inherited listening socket to adopt (socket activation): when <c>$LISTEN_PID</c> is our PID and
    /// <c>$LISTEN_FDS</c> ≥ 1, the fd whose <c>$LISTEN_FDNAMES</c> entry equals <paramref name="wantedName"/>, or fd 3
    /// when names are absent or none matches. None when nothing was passed to us.
    /// </summary>
    public static Option<int> ListenFd(SystemdFacts facts, int selfPid, string wantedName)
    {
        var forUs = facts.ListenPid.Exists(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid == selfPid);
        var count = facts.ListenFds.Bind(c => int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? Some(n) : None);
        if (!forUs || count.IsNone)
            return None;
        var names = facts.ListenFdNames.Map(n => n.Split(':')).IfNone([]);
        var index = System.Array.IndexOf(names, wantedName);
        return Some(ListenFdsStart + (index >= 0 && index < (int)count ? index : 0));
    }

    /// <summary>The one-line <c>STATUS=</c> text for a state and, when known, the latest health.</summary>
    public static string StatusLine(DaemonState state, Option<DaemonHealth> health) =>
        Lifecycle.Lifecycle.WireName(state) + health.Match(h => "; " + HealthAggregation.Summary(h), () => "");

    /// <summary><c>READY=1</c> with the main PID and a status line.</summary>
    public static string Ready(int mainPid, string status) => $"READY=1\nMAINPID={mainPid.ToString(CultureInfo.InvariantCulture)}\nSTATUS={OneLine(status)}";

    /// <summary><c>STOPPING=1</c> with a status line.</summary>
    public static string Stopping(string status) => $"STOPPING=1\nSTATUS={OneLine(status)}";

    /// <summary>A status update.</summary>
    public static string Status(string status) => $"STATUS={OneLine(status)}";

    /// <summary>A watchdog keep-alive.</summary>
    public const string Watchdog = "WATCHDOG=1";

    /// <summary>
    /// Asks systemd for more time while shutdown handlers are within their budget: the remaining budget plus a margin for
    /// releasing the lock and exiting, in microseconds (<c>EXTEND_TIMEOUT_USEC</c> is relative to now).
    /// </summary>
    public static string ExtendTimeout(TimeSpan remainingBudget) =>
        $"EXTEND_TIMEOUT_USEC={((Min(Max(remainingBudget, TimeSpan.Zero), LongestInterval) + ExtendMargin).Ticks / 10).ToString(CultureInfo.InvariantCulture)}";

    /// <summary>How often to repeat <c>EXTEND_TIMEOUT_USEC</c> during shutdown (at least every millisecond… at most every second).</summary>
    public static TimeSpan ExtendEvery(TimeSpan budget) => budget < TimeSpan.FromSeconds(2) ? Clamp(budget / 2) : TimeSpan.FromSeconds(1);

    /// <summary>A timer interval within what timers can schedule.</summary>
    public static TimeSpan TimerInterval(TimeSpan interval) => Clamp(interval);

    private static readonly TimeSpan ExtendMargin = TimeSpan.FromSeconds(1);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
