using Outfitter.Daemon.Core.Systemd;

namespace Outfitter.Daemon.Core.Ports;

/// <summary>Port: the systemd variables of this process. Adapter: the real environment.</summary>
public interface ISystemdEnvironment
{
    /// <summary>Reads the variables.</summary>
    SystemdFacts Observe();

    /// <summary>Removes <c>LISTEN_PID</c>, <c>LISTEN_FDS</c> and <c>LISTEN_FDNAMES</c>, so child processes do not inherit them.</summary>
    void ClearListenVariables();
}

/// <summary>
/// Port: sends <c>sd_notify</c> messages. Adapter: a datagram on the Unix socket in <c>$NOTIFY_SOCKET</c>. Never throws;
/// a lost notification is logged by the shell, not fatal. Thread-safe.
/// </summary>
public interface ISystemdNotifySocket
{
    /// <summary>Sends one message (several <c>KEY=value</c> lines); false when it could not be sent.</summary>
    bool Notify(NotifyAddress target, string message);
}
