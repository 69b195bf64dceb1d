using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon.Testing;

/// <summary>Stop signals on demand: <see cref="Raise"/> delivers one to every live subscriber, as the OS would.</summary>
public sealed class FakeSignals : ISignalSource
{
    private readonly object _gate = new();
    private readonly List<Action<StopSignal>> _subscribers = [];

    /// <summary>How many subscriptions are live.</summary>
    public int SubscriberCount
    {
        get
        {
            lock (_gate)
                return _subscribers.Count;
        }
    }

    /// <inheritdoc />
    IDisposable ISignalSource.Subscribe(Action<StopSignal> onSignal)
    {
        lock (_gate)
            _subscribers.Add(onSignal);
        return new Subscription(this, onSignal);
    }

    /// <summary>Delivers <paramref name="signal"/> to the subscribers (synchronously, like the runtime's dispatcher thread).</summary>
    public void Raise(StopSignal signal)
    {
        List<Action<StopSignal>> targets;
        lock (_gate)
            targets = [.. _subscribers];
        targets.ForEach(t => t(signal));
    }

    private sealed class Subscription(FakeSignals owner, Action<StopSignal> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate)
                owner._subscribers.Remove(handler);
        }
    }
}
