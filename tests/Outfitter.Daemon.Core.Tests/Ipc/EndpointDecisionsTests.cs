using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LanguageExt;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Locking;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Ipc;

public sealed class EndpointDecisionsTests
{
    private const string SocketPath = "/run/user/1000/waymark/daemon.sock";

    // BeforeListen

    [Theory]
    [InlineData(EndpointProbe.Missing, ListenDecision.Bind)]
    [InlineData(EndpointProbe.Dead, ListenDecision.ReplaceStale)]
    [InlineData(EndpointProbe.Listening, ListenDecision.RefuseLive)]
    [InlineData(EndpointProbe.NotASocket, ListenDecision.RefuseNotSocket)]
    public void BeforeListen_binds_free_paths_replaces_dead_sockets_and_refuses_the_rest(EndpointProbe probe, ListenDecision expected)
    {
        Assert.Equal(expected, EndpointDecisions.BeforeListen(probe));
    }

    [Fact]
    public void BeforeListen_never_replaces_or_binds_over_a_live_socket()
    {
        // The reference deletes whatever is there; hijacking a live daemon's endpoint is what we refuse to do.
        var decision = EndpointDecisions.BeforeListen(EndpointProbe.Listening);

        Assert.NotEqual(ListenDecision.ReplaceStale, decision);
        Assert.NotEqual(ListenDecision.Bind, decision);
    }

    [Fact]
    public void BeforeListen_only_ever_deletes_a_dead_socket()
    {
        var replaced = Enum.GetValues<EndpointProbe>().Where(p => EndpointDecisions.BeforeListen(p) == ListenDecision.ReplaceStale);

        Assert.Equal(new[] { EndpointProbe.Dead }, replaced);
    }

    [Fact]
    public void BeforeListen_rejects_an_undefined_probe_as_a_programmer_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EndpointDecisions.BeforeListen((EndpointProbe)99));
    }

    // ClassifyConnectFailure

    [Fact]
    public void No_endpoint_means_the_daemon_is_not_running_because_there_is_no_socket_file()
    {
        var error = EndpointDecisions.ClassifyConnectFailure(SocketPath, ConnectFailure.NoEndpoint, None, None);

        var refused = Assert.IsType<DaemonConnectionError.ConnectionRefusedError>(error);
        Assert.Equal(SocketPath, refused.SocketPath);
        Assert.Contains("no socket file", refused.Message, StringComparison.Ordinal);
        Assert.Contains(SocketPath, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refused_while_the_lock_is_held_by_a_known_pid_means_that_daemon_is_not_accepting_connections_yet()
    {
        var error = EndpointDecisions.ClassifyConnectFailure(
            SocketPath, ConnectFailure.Refused, Some<LockDecision>(new LockDecision.HeldBy(Some(42), HeldReason.KernelLock)), Some(42));

        var refused = Assert.IsType<DaemonConnectionError.ConnectionRefusedError>(error);
        Assert.Equal(SocketPath, refused.SocketPath);
        Assert.Contains("PID 42", refused.Message, StringComparison.Ordinal);
        Assert.Contains("not accepting connections yet", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refused_while_the_lock_is_held_by_an_unknown_pid_is_still_a_starting_daemon_not_a_stale_socket()
    {
        var error = EndpointDecisions.ClassifyConnectFailure(
            SocketPath, ConnectFailure.Refused, Some<LockDecision>(new LockDecision.HeldBy(None, HeldReason.KernelLock)), None);

        var refused = Assert.IsType<DaemonConnectionError.ConnectionRefusedError>(error);
        Assert.Contains("not accepting connections yet", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PID", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refused_while_a_live_owner_in_the_reference_format_holds_the_lock_is_a_starting_daemon()
    {
        var error = EndpointDecisions.ClassifyConnectFailure(
            SocketPath, ConnectFailure.Refused, Some<LockDecision>(new LockDecision.HeldBy(Some(7), HeldReason.LiveOwnerInFile)), Some(7));

        Assert.Contains("PID 7", Assert.IsType<DaemonConnectionError.ConnectionRefusedError>(error).Message, StringComparison.Ordinal);
    }

    public static TheoryData<LockDecision> UnheldLocks() =>
        new()
        {
            new LockDecision.Acquire(),
            new LockDecision.ReclaimStale(42, StaleReason.OwnerDead),
            new LockDecision.ReclaimStale(42, StaleReason.PidReused),
            new LockDecision.ReclaimInvalid("garbage"),
        };

    [Theory]
    [MemberData(nameof(UnheldLocks))]
    public void Refused_while_no_live_daemon_holds_the_lock_is_a_stale_socket_naming_the_pid_from_the_lock_file(LockDecision lockState)
    {
        var error = EndpointDecisions.ClassifyConnectFailure(SocketPath, ConnectFailure.Refused, Some(lockState), Some(42));

        Assert.Equal(new DaemonConnectionError.StaleSocketError(SocketPath, (42)), error);
        Assert.Contains("PID 42", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refused_with_a_free_lock_and_no_pid_is_a_stale_socket_without_a_pid()
    {
        var error = EndpointDecisions.ClassifyConnectFailure(SocketPath, ConnectFailure.Refused, Some<LockDecision>(new LockDecision.Acquire()), None);

        Assert.Equal(new DaemonConnectionError.StaleSocketError(SocketPath, null), error);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Refused_with_no_lock_information_is_a_stale_socket(bool pidKnown)
    {
        var pid = pidKnown ? Some(9) : None;

        var error = EndpointDecisions.ClassifyConnectFailure(SocketPath, ConnectFailure.Refused, None, pid);

        Assert.Equal(new DaemonConnectionError.StaleSocketError(SocketPath, pid.ToNullable()), error);
    }

    [Fact]
    public void Permission_denied_is_refused_and_says_so()
    {
        var error = EndpointDecisions.ClassifyConnectFailure(SocketPath, ConnectFailure.PermissionDenied, None, None);

        var refused = Assert.IsType<DaemonConnectionError.ConnectionRefusedError>(error);
        Assert.Contains("permission denied", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_path_that_is_not_a_socket_is_refused_and_says_so()
    {
        var error = EndpointDecisions.ClassifyConnectFailure(SocketPath, ConnectFailure.NotASocket, None, None);

        var refused = Assert.IsType<DaemonConnectionError.ConnectionRefusedError>(error);
        Assert.Contains("not a socket", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_undefined_connect_failure_is_a_programmer_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EndpointDecisions.ClassifyConnectFailure(SocketPath, (ConnectFailure)99, None, None));
    }

    [Property]
    public Property Only_a_refused_connection_consults_the_lock_and_a_held_lock_is_never_called_stale() =>
        Prop.ForAll(
            Arb.From(
                from failure in Gen.Elements(Enum.GetValues<ConnectFailure>())
                from lockState in Generators.OptionOf(LockStates)
                from pid in Generators.OptionOf(Gen.Choose(1, 100))
                from path in Gen.Elements(SocketPath, "/tmp/x/daemon.sock", @"\\.\pipe\waymark")
                select (Failure: failure, Lock: lockState, Pid: pid, Path: path)),
            c =>
            {
                var error = EndpointDecisions.ClassifyConnectFailure(c.Path, c.Failure, c.Lock, c.Pid);

                Assert.Contains(c.Path, error.Message, StringComparison.Ordinal);
                var held = c.Lock.Map(l => l is LockDecision.HeldBy).IfNone(false);
                if (c.Failure != ConnectFailure.Refused)
                    Assert.Equal(error, EndpointDecisions.ClassifyConnectFailure(c.Path, c.Failure, None, None));
                else if (held)
                    Assert.IsType<DaemonConnectionError.ConnectionRefusedError>(error);
                else
                    Assert.Equal(new DaemonConnectionError.StaleSocketError(c.Path, c.Pid.ToNullable()), error);
            });

    // IsTransient

    [Fact]
    public void Refused_and_stale_connections_are_transient_because_the_daemon_may_be_starting()
    {
        Assert.True(EndpointDecisions.IsTransient(new DaemonConnectionError.ConnectionRefusedError(SocketPath, "refused")));
        Assert.True(EndpointDecisions.IsTransient(new DaemonConnectionError.StaleSocketError(SocketPath, null)));
        Assert.True(EndpointDecisions.IsTransient(new DaemonConnectionError.StaleSocketError(SocketPath, (3))));
    }

    [Fact]
    public void Timeouts_protocol_errors_closed_connections_and_remote_errors_are_not_transient()
    {
        Assert.False(EndpointDecisions.IsTransient(new DaemonConnectionError.ConnectionTimeoutError(5000, "connect")));
        Assert.False(EndpointDecisions.IsTransient(new DaemonConnectionError.ProtocolError("bad frame")));
        Assert.False(EndpointDecisions.IsTransient(new DaemonConnectionError.ConnectionClosedError("server shut down")));
        Assert.False(EndpointDecisions.IsTransient(new DaemonConnectionError.RemoteError("boom", ("HANDLER_ERROR"))));
    }

    // AcceptPeer

    [Theory]
    [InlineData(1000u, 1000u, false, true)]
    [InlineData(0u, 1000u, false, true)]
    [InlineData(1001u, 1000u, false, false)]
    [InlineData(65534u, 0u, false, false)]
    [InlineData(1001u, 1000u, true, true)]
    [InlineData(0u, 0u, false, true)]
    public void AcceptPeer_accepts_the_same_user_and_root_and_other_users_only_when_allowed(uint peerUid, uint ourUid, bool allowOtherUsers, bool accepted)
    {
        Assert.Equal(accepted, EndpointDecisions.AcceptPeer(Some(new PeerCredentials(1234, peerUid)), ourUid, allowOtherUsers));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AcceptPeer_lets_a_peer_with_unknown_credentials_through(bool allowOtherUsers)
    {
        Assert.True(EndpointDecisions.AcceptPeer(None, 1000u, allowOtherUsers));
    }

    [Property]
    public Property AcceptPeer_refuses_exactly_a_known_other_non_root_user_when_other_users_are_not_allowed() =>
        Prop.ForAll(
            Arb.From(
                from peer in Generators.OptionOf(
                    from pid in Gen.Choose(1, 100_000)
                    from uid in Uid
                    select new PeerCredentials(pid, uid))
                from ours in Uid
                from allow in Gen.Elements(true, false)
                select (Peer: peer, Ours: ours, Allow: allow)),
            c =>
            {
                var refused = !c.Allow && c.Peer.Map(p => p.Uid != c.Ours && p.Uid != 0).IfNone(false);
                return EndpointDecisions.AcceptPeer(c.Peer, c.Ours, c.Allow) == !refused;
            });

    // Generators

    private static Gen<LockDecision> LockStates =>
        Gen.OneOf(
            Gen.Constant<LockDecision>(new LockDecision.Acquire()),
            Gen.Choose(1, 100).Select(pid => (LockDecision)new LockDecision.ReclaimStale(pid, StaleReason.OwnerDead)),
            Gen.Constant<LockDecision>(new LockDecision.ReclaimInvalid("garbage")),
            Generators.OptionOf(Gen.Choose(1, 100)).Select(pid => (LockDecision)new LockDecision.HeldBy(pid, HeldReason.KernelLock)),
            Gen.Choose(1, 100).Select(pid => (LockDecision)new LockDecision.HeldBy(Some(pid), HeldReason.LiveOwnerInFile)));

    /// <summary>User ids from a tiny range (frequent equality), root, and the extremes.</summary>
    private static Gen<uint> Uid =>
        Gen.Frequency(
            (4, Gen.Choose(0, 3).Select(i => (uint)i)),
            (1, Gen.Elements(0u, 1000u, 65534u, uint.MaxValue)));
}
