namespace Outfitter.Daemon.Core.Ipc;

/// <summary>The peer process's credentials, as the kernel reports them for a connection.</summary>
/// <param name="Pid">Its PID.</param>
/// <param name="Uid">Its user id.</param>
public sealed record PeerCredentials(int Pid, uint Uid);
