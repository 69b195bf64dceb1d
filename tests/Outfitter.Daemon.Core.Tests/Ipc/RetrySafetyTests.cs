using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Outfitter.Daemon.Core.Ipc;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Ipc;

/// <summary>
/// The client's error values tell "not executed, safe to retry" from "sent, outcome unknown", and a connect timeout
/// names what it kept running into.
/// </summary>
public sealed class RetrySafetyTests
{
    private const string Socket = "/run/user/1000/x/daemon.sock";

    public static TheoryData<DaemonConnectionError, bool, bool> Cases() =>
        new()
        {
            { new DaemonConnectionError.StaleSocketError(Socket, (7)), true, false },
            { new DaemonConnectionError.ConnectionRefusedError(Socket, "refused"), true, false },
            { new DaemonConnectionError.ConnectionTimeoutError(500, "connect"), true, false },
            { new DaemonConnectionError.ConnectionTimeoutError(500, "request", RequestSent: true), false, true },
            { new DaemonConnectionError.ConnectionClosedError("writing failed"), true, false },
            { new DaemonConnectionError.ConnectionClosedError("the server closed the connection", RequestSent: true), false, true },
            { new DaemonConnectionError.RemoteError("stopping", (IpcErrorCodes.ShuttingDown)), true, false },
            { new DaemonConnectionError.RemoteError("cut off", (IpcErrorCodes.Interrupted)), false, true },
            { new DaemonConnectionError.RemoteError("boom", (IpcErrorCodes.HandlerError)), false, false },
            { new DaemonConnectionError.RemoteError("boom", null), false, false },
            { new DaemonConnectionError.ProtocolError("bad reply"), false, false },
            { new DaemonConnectionError.StartFailedError((1), ""), true, false },
            { new DaemonConnectionError.RequestCancelledError(RequestSent: true), false, true },
            { new DaemonConnectionError.RequestCancelledError(RequestSent: false), true, false },
        };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_error_says_whether_a_retry_is_safe_or_the_outcome_unknown(DaemonConnectionError error, bool safe, bool unknown)
    {
        Assert.Equal(safe, error.IsSafeToRetry);
        Assert.Equal(unknown, error.OutcomeUnknown);
        Assert.False(error.IsSafeToRetry && error.OutcomeUnknown, "Never both.");
    }

    [Fact]
    public void A_closed_connection_says_in_words_whether_the_request_went_out()
    {
        Assert.Contains("not sent; it is safe to retry", new DaemonConnectionError.ConnectionClosedError("x").Message, StringComparison.Ordinal);
        Assert.Contains("whether the daemon executed it is unknown", new DaemonConnectionError.ConnectionClosedError("x", RequestSent: true).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_connect_timeout_carries_and_names_the_last_failure()
    {
        var stale = new DaemonConnectionError.StaleSocketError(Socket, (4242));
        var timeout = new DaemonConnectionError.ConnectionTimeoutError(500, "connect to " + Socket, LastFailure: stale);

        Assert.Equal(Some<DaemonConnectionError>(stale), timeout.LastFailure);
        Assert.Contains("Timeout after 500ms", timeout.Message, StringComparison.Ordinal);
        Assert.Contains("Last failure: Stale socket at " + Socket + ": its daemon (PID 4242) is gone.", timeout.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Last failure", new DaemonConnectionError.ConnectionTimeoutError(500, "connect").Message, StringComparison.Ordinal);
    }
}

/// <summary>The accept loop's pause after failed accepts (descriptors exhausted): grows, is capped, never spins.</summary>
public sealed class AcceptBackoffTests
{
    [Fact]
    public void The_first_failure_waits_the_initial_delay_and_no_failure_waits_nothing()
    {
        Assert.Equal(TimeSpan.Zero, AcceptBackoff.Delay(0));
        Assert.Equal(AcceptBackoff.Initial, AcceptBackoff.Delay(1));
        Assert.Equal(AcceptBackoff.Initial * 2, AcceptBackoff.Delay(2));
        Assert.Equal(AcceptBackoff.Max, AcceptBackoff.Delay(int.MaxValue));
    }

    [Property]
    public Property The_delay_grows_with_consecutive_failures_and_stays_within_the_cap() =>
        Prop.ForAll(Gen.Choose(1, 1_000_000).ToArbitrary(), failures =>
            AcceptBackoff.Delay(failures) >= AcceptBackoff.Initial
            && AcceptBackoff.Delay(failures) <= AcceptBackoff.Max
            && AcceptBackoff.Delay(failures + 1) >= AcceptBackoff.Delay(failures));

    [Property]
    public Property An_episode_logs_its_first_failure_and_its_recovery_once() =>
        Prop.ForAll(Gen.Choose(1, 10_000).ToArbitrary(), failures =>
        {
            var failureLogs = Enumerable.Range(1, failures).Count(AcceptBackoff.ShouldLogFailure);
            return failureLogs == 1 && AcceptBackoff.ShouldLogRecovery(failures) && !AcceptBackoff.ShouldLogRecovery(0);
        });
}
