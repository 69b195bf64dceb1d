namespace Outfitter.Daemon.Core.Ipc;

/// <summary>
/// Why <c>IIpcListener.AcceptAsync</c> returned no connection: a closed set of cases. The adapter translates its socket
/// and pipe exceptions into these, so the accept loop handles values, never transport exceptions. Immutable.
/// </summary>
public abstract record AcceptFailure
{
    private AcceptFailure()
    {
    }

    /// <summary>The listener was stopped: the caller's token was cancelled, or the listener was disposed (before or meanwhile).</summary>
    public sealed record Stopped : AcceptFailure;

    /// <summary>
    /// The OS refused this accept while the listener keeps listening, most often because the process is out of file
    /// descriptors (EMFILE/ENFILE); the pending connection stays queued, so a later attempt can succeed.
    /// </summary>
    /// <param name="Message">The OS's description, e.g. "Too many open files".</param>
    public sealed record Failed(string Message) : AcceptFailure;
}
