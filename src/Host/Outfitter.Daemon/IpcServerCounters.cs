namespace Outfitter.Daemon;

/// <summary>
/// A snapshot of an <see cref="IpcServer"/>'s live counters (<see cref="IpcServer.Counters"/>), kept whether or not a
/// metrics listener is attached. Totals count from the server's creation; each field is read atomically, the set is not
/// one atomic cut.
/// </summary>
/// <param name="Requests">Requests answered (with a result or an error reply); malformed lines are not requests.</param>
/// <param name="Errors">Of <paramref name="Requests"/>, those answered with an error reply.</param>
/// <param name="ActiveConnections">Connections open now.</param>
/// <param name="InFlight">
/// Requests whose asynchronous handler is still running and owes a reply (one its client cancelled, or that the server
/// gave up on at close, no longer counts).
/// </param>
/// <param name="ProtocolErrors">Lines that were not valid requests (each answered with <c>PROTOCOL_ERROR</c>).</param>
/// <param name="FramesTooLarge">Connections closed because a line exceeded <see cref="IpcServerOptions.MaxLineBytes"/>.</param>
/// <param name="ConnectionsAccepted">Connections served so far (refused peers not included).</param>
/// <param name="Cancelled">
/// Requests their client cancelled (a <c>cancel</c> line) while their asynchronous handler ran: no reply was written, and
/// they are not in <paramref name="Requests"/>.
/// </param>
public readonly record struct IpcServerCounters(
    long Requests,
    long Errors,
    int ActiveConnections,
    long InFlight,
    long ProtocolErrors,
    long FramesTooLarge,
    long ConnectionsAccepted,
    long Cancelled);
