using LanguageExt;
using Outfitter.Daemon.Core.Ipc;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Ipc;

public sealed class DaemonConnectionErrorTests
{
    private const string SocketPath = "/run/user/1000/waymark/daemon.sock";

    public static TheoryData<DaemonConnectionError, string> EveryCaseWithItsTag() =>
        new()
        {
            // The reference's _tag values.
            { new DaemonConnectionError.StaleSocketError(SocketPath, (42)), "StaleSocketError" },
            { new DaemonConnectionError.ConnectionRefusedError(SocketPath, "connection refused"), "ConnectionRefusedError" },
            { new DaemonConnectionError.ConnectionTimeoutError(5000, "connect"), "ConnectionTimeoutError" },
            { new DaemonConnectionError.ProtocolError("unparseable reply"), "ProtocolError" },

            // Ours.
            { new DaemonConnectionError.ConnectionClosedError("server shut down"), "ConnectionClosedError" },
            { new DaemonConnectionError.RemoteError("boom", ("HANDLER_ERROR")), "RemoteError" },
            { new DaemonConnectionError.StartFailedError((3), "port in use"), "StartFailedError" },
            { new DaemonConnectionError.DaemonMismatchError("the running daemon has version \"1.0\", expected \"2.0\"", ServerHello.ProtocolOne), "DaemonMismatchError" },
            { new DaemonConnectionError.RequestCancelledError(), "RequestCancelledError" },
        };

    [Theory]
    [MemberData(nameof(EveryCaseWithItsTag))]
    public void Each_case_carries_its_tag_and_prints_as_tag_then_message(DaemonConnectionError error, string tag)
    {
        Assert.Equal(tag, error.Tag);
        Assert.Equal($"{tag}: {error.Message}", error.ToString());
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Theory]
    [MemberData(nameof(EveryCaseWithItsTag))]
    public void An_exhaustive_switch_handles_every_case(DaemonConnectionError error, string tag)
    {
        Assert.Equal(tag, CaseName(error));
    }

    [Fact]
    public void The_union_has_exactly_the_cases_the_exhaustive_switch_handles()
    {
        // Guards CaseName: a new case would fall into its throwing default.
        var cases = typeof(DaemonConnectionError).GetNestedTypes()
            .Where(t => t.IsSubclassOf(typeof(DaemonConnectionError)))
            .Select(t => t.Name)
            .Order(StringComparer.Ordinal);

        Assert.Equal(
            new[] { "ConnectionClosedError", "ConnectionRefusedError", "ConnectionTimeoutError", "DaemonMismatchError", "ProtocolError", "RemoteError", "RequestCancelledError", "StaleSocketError", "StartFailedError" },
            cases);
        Assert.All(typeof(DaemonConnectionError).GetNestedTypes().Where(t => t.IsSubclassOf(typeof(DaemonConnectionError))), t => Assert.True(t.IsSealed, t.Name));
    }

    [Fact]
    public void A_stale_socket_with_a_known_owner_names_the_socket_and_the_dead_pid()
    {
        var error = new DaemonConnectionError.StaleSocketError(SocketPath, (42));

        Assert.Contains(SocketPath, error.Message, StringComparison.Ordinal);
        Assert.Contains("PID 42", error.Message, StringComparison.Ordinal);
        Assert.Contains("Start the daemon again", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stale_socket_without_a_known_owner_names_the_socket_and_no_pid()
    {
        var error = new DaemonConnectionError.StaleSocketError(SocketPath, null);

        Assert.Contains(SocketPath, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PID", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_connection_names_the_socket_and_the_reason()
    {
        var error = new DaemonConnectionError.ConnectionRefusedError(SocketPath, "no socket file exists");

        Assert.Contains(SocketPath, error.Message, StringComparison.Ordinal);
        Assert.Contains("no socket file exists", error.Message, StringComparison.Ordinal);
        Assert.Contains("not running", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_timeout_names_the_limit_in_milliseconds_and_what_timed_out()
    {
        var error = new DaemonConnectionError.ConnectionTimeoutError(1500, "request");

        Assert.Contains("1500ms", error.Message, StringComparison.Ordinal);
        Assert.Contains("request", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_protocol_error_carries_its_details()
    {
        var error = new DaemonConnectionError.ProtocolError("reply is not JSON");

        Assert.Contains("reply is not JSON", error.Message, StringComparison.Ordinal);
        Assert.Equal("reply is not JSON", error.Details);
    }

    [Fact]
    public void A_closed_connection_carries_its_reason()
    {
        var error = new DaemonConnectionError.ConnectionClosedError("server shut down");

        Assert.Contains("server shut down", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_remote_error_is_the_daemon_s_own_message_with_its_code()
    {
        var error = new DaemonConnectionError.RemoteError("Unknown message type", ("UNKNOWN_TYPE"));

        Assert.Equal("Unknown message type", error.Message);
        Assert.Equal(Some("UNKNOWN_TYPE"), error.Code);
        Assert.Null(new DaemonConnectionError.RemoteError("x", null).Code);
    }

    [Fact]
    public void A_cancelled_request_says_the_caller_cancelled_it_and_whether_a_cancel_went_to_the_daemon()
    {
        var sent = new DaemonConnectionError.RequestCancelledError();
        var notSent = new DaemonConnectionError.RequestCancelledError(RequestSent: false);

        Assert.True(sent.RequestSent);
        Assert.Contains("cancelled by the caller after it was sent; a cancel was sent to the daemon", sent.Message, StringComparison.Ordinal);
        Assert.Contains("whether the daemon executed the request is unknown", sent.Message, StringComparison.Ordinal);
        Assert.Contains("cancelled by the caller before it was sent; it is safe to retry", notSent.Message, StringComparison.Ordinal);
        Assert.Equal(new DaemonConnectionError.RequestCancelledError(true), sent);
    }

    [Fact]
    public void Cases_are_values_equal_by_their_data()
    {
        Assert.Equal(new DaemonConnectionError.StaleSocketError(SocketPath, (1)), new DaemonConnectionError.StaleSocketError(SocketPath, (1)));
        Assert.NotEqual<DaemonConnectionError>(new DaemonConnectionError.StaleSocketError(SocketPath, (1)), new DaemonConnectionError.StaleSocketError(SocketPath, (2)));
        Assert.NotEqual<DaemonConnectionError>(new DaemonConnectionError.StaleSocketError(SocketPath, null), new DaemonConnectionError.ConnectionRefusedError(SocketPath, "x"));
    }

    /// <summary>How a caller switches over the union: one arm per case, and a default only for programmer errors.</summary>
    private static string CaseName(DaemonConnectionError error) => error switch
    {
        DaemonConnectionError.StaleSocketError => "StaleSocketError",
        DaemonConnectionError.ConnectionRefusedError => "ConnectionRefusedError",
        DaemonConnectionError.ConnectionTimeoutError => "ConnectionTimeoutError",
        DaemonConnectionError.ProtocolError => "ProtocolError",
        DaemonConnectionError.ConnectionClosedError => "ConnectionClosedError",
        DaemonConnectionError.RemoteError => "RemoteError",
        DaemonConnectionError.StartFailedError => "StartFailedError",
        DaemonConnectionError.DaemonMismatchError => "DaemonMismatchError",
        DaemonConnectionError.RequestCancelledError => "RequestCancelledError",
        _ => throw new ArgumentOutOfRangeException(nameof(error), error, "Unknown connection error."),
    };
}
