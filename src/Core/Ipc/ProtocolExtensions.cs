namespace Outfitter.Daemon.Core.Ipc;

/// <summary>
/// The names of protocol 2's extensions (ADR 0016). The reference's messages stay byte for byte; every extension is a new
/// envelope <c>type</c>, a new payload <c>type</c> or a new optional envelope member, which a reference peer ignores.
/// </summary>
public static class ProtocolExtensions
{
    /// <summary>The protocol version this library speaks; a peer that does not answer <c>hello</c> speaks 1.</summary>
    public const int Protocol = 2;

    /// <summary>The payload type of the handshake request, <c>{"type":"hello","protocol":2,"client":"name/version"}</c>.</summary>
    public const string HelloType = "hello";

    /// <summary>The envelope type of a cancellation, <c>{"id":"…","type":"cancel"}</c> (no reply).</summary>
    public const string CancelType = "cancel";

    /// <summary>The envelope type of an event of a streamed request, <c>{"id":"…","type":"event","payload":…}</c>.</summary>
    public const string EventType = "event";

    /// <summary>The payload type of a lease request, <c>{"type":"lease"}</c>: the connection keeps an idle daemon alive.</summary>
    public const string LeaseType = "lease";

    /// <summary>The payload type of a subscription, <c>{"type":"subscribe","topic":"health"}</c> (a streamed request).</summary>
    public const string SubscribeType = "subscribe";

    /// <summary>Capability: the server honours <c>cancel</c>.</summary>
    public const string CancelCapability = "cancel";

    /// <summary>Capability: the server sends events to requests that asked for them (<c>"stream":true</c>).</summary>
    public const string EventsCapability = "events";

    /// <summary>Capability: the daemon exits when idle (when configured to) and honours leases.</summary>
    public const string IdleCapability = "idle";

    /// <summary>Capability: the daemon answers <c>{"type":"subscribe","topic":"health"}</c>.</summary>
    public const string SubscribeCapability = "subscribe";
}
