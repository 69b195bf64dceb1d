namespace Outfitter.Daemon.Hosting;

/// <summary>
/// How the hosted daemon's run ended, kept apart from the daemon itself so that <see cref="HostExtensions.RunDaemonAsync"/>
/// can read it after the host (and its container) has been disposed, and resolve it before the host starts without
/// building (and so validating) the daemon early.
/// </summary>
internal sealed class HostedRunRecord
{
    private RunEnd? _end;

    /// <summary>The last run's end; null when the daemon never stopped.</summary>
    public RunEnd? End
    {
        get => Volatile.Read(ref _end);
        set => Volatile.Write(ref _end, value);
    }
}
