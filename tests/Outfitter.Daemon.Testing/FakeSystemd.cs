using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Core.Systemd;

namespace Outfitter.Daemon.Testing;

/// <summary>systemd in memory: the variables it would set, and every notification the daemon sends, in order.</summary>
public sealed class FakeSystemd : ISystemdEnvironment, ISystemdNotifySocket
{
    private readonly List<string> _messages = [];

    /// <summary>The variables the daemon sees.</summary>
    public SystemdFacts Facts { get; set; } = SystemdFacts.None;

    /// <summary>Whether the daemon cleared the <c>LISTEN_*</c> variables.</summary>
    public bool ListenVariablesCleared { get; private set; }

    /// <summary>Every message sent so far.</summary>
    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_messages)
                return [.. _messages];
        }
    }

    /// <summary>Raised after each message (for waiting on one).</summary>
    public event Action<string>? Sent;

    /// <inheritdoc />
    public SystemdFacts Observe() => Facts;

    /// <inheritdoc />
    public void ClearListenVariables()
    {
        ListenVariablesCleared = true;
        Facts = Facts with { ListenPid = LanguageExt.Option<string>.None, ListenFds = LanguageExt.Option<string>.None, ListenFdNames = LanguageExt.Option<string>.None };
    }

    /// <inheritdoc />
    public bool Notify(NotifyAddress target, string message)
    {
        lock (_messages)
            _messages.Add(message);
        Sent?.Invoke(message);
        return true;
    }
}
