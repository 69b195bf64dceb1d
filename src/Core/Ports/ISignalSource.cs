using Outfitter.Daemon.Core.Lifecycle;

namespace Outfitter.Daemon.Core.Ports;

/// <summary>
/// Port: the stop signals (SIGTERM, SIGINT, SIGQUIT) delivered to this process. While a subscription lives, those signals
/// no longer terminate the process by default; the handler decides. Adapter: <c>PosixSignalRegistration</c>, with
/// SIGINT/SIGQUIT restored when they were inherited as ignored (a shell's <c>&amp;</c> or <c>nohup</c>).
/// </summary>
public interface ISignalSource
{
    /// <summary>Calls <paramref name="onSignal"/> (on a background thread) for each stop signal until disposed.</summary>
    IDisposable Subscribe(Action<StopSignal> onSignal);
}

/// <summary>Port: ends the process. Adapter: <c>Environment.Exit</c>; tests record the code instead.</summary>
public interface IProcessExit
{
    /// <summary>Exits the process with <paramref name="code"/>. The adapter does not return.</summary>
    void Exit(int code);
}
