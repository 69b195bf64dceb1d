using LanguageExt;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Locking;
using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon;

/// <summary>What <see cref="DaemonStopper.SignalOwner"/> did. Closed: switch over it exhaustively.</summary>
public abstract record OwnerSignalResult
{
    private OwnerSignalResult()
    {
    }

    /// <summary>The signal went to <paramref name="Owner"/>, the verified holder of the lock.</summary>
    public sealed record Sent(ProcessIdentity Owner, ProcessSignal Signal) : OwnerSignalResult;

    /// <summary>Nothing was signalled: nothing proves that the process the file names holds the lock.</summary>
    /// <param name="Reason">Why.</param>
    /// <param name="NamedPid">The PID the lock file names; null when it names none.</param>
    /// <param name="Message">The reason as a sentence fragment for people.</param>
    public sealed record Refused(SignalRefusal Reason, int? NamedPid, string Message) : OwnerSignalResult;

    /// <summary>The holder exited (or its PID was reused) between the decision and the signal; nothing was signalled.</summary>
    public sealed record Gone(ProcessIdentity Owner) : OwnerSignalResult;

    /// <summary>The lock is now held by <paramref name="Now"/>, not by the expected process; nothing was signalled.</summary>
    public sealed record OwnerChanged(ProcessIdentity Expected, ProcessIdentity Now) : OwnerSignalResult;

    /// <summary>The OS refused the signal (for example, permission denied).</summary>
    public sealed record Failed(ProcessIdentity Owner, string Message) : OwnerSignalResult;
}
