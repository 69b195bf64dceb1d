using System.Diagnostics.Metrics;

namespace Outfitter.Daemon.IntegrationTests.Support;

/// <summary>
/// Records the measurements of the meter <see cref="DaemonTelemetry.MeterName"/> that belong to this test: the meter is
/// process-wide (other tests' servers report to it too), so only measurements whose tags pass <c>mine</c> (usually
/// <c>server.address</c> = this test's socket, or a check name only this test uses) are kept.
/// </summary>
public sealed class MetricCapture : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Func<IReadOnlyDictionary<string, object?>, bool> _mine;
    private readonly List<Measurement> _measurements = [];

    /// <summary>Starts listening to every instrument of the daemon's meter.</summary>
    public MetricCapture(Func<IReadOnlyDictionary<string, object?>, bool> mine)
    {
        _mine = mine;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == DaemonTelemetry.MeterName)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Keeps the measurements tagged <c>server.address</c> = <paramref name="socketPath"/>.</summary>
    public static MetricCapture ForServer(string socketPath) =>
        new(tags => tags.TryGetValue("server.address", out var address) && Equals(address, socketPath));

    /// <summary>Every measurement kept so far, in order.</summary>
    public IReadOnlyList<Measurement> All
    {
        get
        {
            lock (_measurements)
                return [.. _measurements];
        }
    }

    /// <summary>The measurements of <paramref name="instrument"/>.</summary>
    public IReadOnlyList<Measurement> Of(string instrument) => All.Where(m => m.Instrument == instrument).ToList();

    /// <summary>The sum of <paramref name="instrument"/>'s measurements (an up-down counter's current value).</summary>
    public double Sum(string instrument) => Of(instrument).Sum(m => m.Value);

    /// <summary>Waits until <paramref name="condition"/> holds over what was recorded (a deadline, not a sleep).</summary>
    public Task WaitUntilAsync(Func<MetricCapture, bool> condition, string what) =>
        Signals.WaitUntilAsync(() => condition(this), what, TimeSpan.FromSeconds(30));

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (var (key, tagValue) in tags)
            copy[key] = tagValue;
        if (!_mine(copy))
            return;
        lock (_measurements)
            _measurements.Add(new Measurement(instrument.Name, instrument.Unit, value, copy));
    }

    /// <summary>One measurement: the instrument's name and unit, the value, and its tags.</summary>
    public sealed record Measurement(string Instrument, string? Unit, double Value, IReadOnlyDictionary<string, object?> Tags)
    {
        /// <summary>The tag's value as text; null when absent.</summary>
        public string? Tag(string key) => Tags.TryGetValue(key, out var value) ? value?.ToString() : null;
    }
}
