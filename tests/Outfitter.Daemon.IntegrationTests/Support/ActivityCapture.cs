using System.Diagnostics;

namespace Outfitter.Daemon.IntegrationTests.Support;

/// <summary>
/// Listens to the daemon's <see cref="ActivitySource"/> (and this test's own), sampling everything, and keeps the stopped
/// activities that pass <c>mine</c>: listeners are process-wide, so a test keeps only its own trace id or its own
/// socket's spans.
/// </summary>
public sealed class ActivityCapture : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly List<Activity> _stopped = [];

    /// <summary>Starts listening; <paramref name="ownSource"/> is the name of the test's own source, if it has one.</summary>
    public ActivityCapture(Func<Activity, bool> mine, string? ownSource = null)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == DaemonTelemetry.ActivitySourceName || source.Name == ownSource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (!mine(activity))
                    return;
                lock (_stopped)
                    _stopped.Add(activity);
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The stopped activities kept so far, in the order they stopped.</summary>
    public IReadOnlyList<Activity> Stopped
    {
        get
        {
            lock (_stopped)
                return [.. _stopped];
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds over the stopped activities (a deadline, not a sleep).</summary>
    public Task WaitUntilAsync(Func<IReadOnlyList<Activity>, bool> condition, string what) =>
        Signals.WaitUntilAsync(() => condition(Stopped), what, TimeSpan.FromSeconds(30));

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();
}
