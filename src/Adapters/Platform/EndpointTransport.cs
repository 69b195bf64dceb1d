using LanguageExt;
using Outfitter.Daemon.Adapters.NamedPipes;
using Outfitter.Daemon.Adapters.UnixSockets;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Core.Ports;

namespace Outfitter.Daemon.Adapters.Platform;

/// <summary>
/// The transport an endpoint's form asks for: <c>\\.\pipe\name</c> goes to <see cref="NamedPipeTransport"/>, any other
/// path to <see cref="UnixSocketTransport"/>. Thread-safe.
/// </summary>
internal sealed class EndpointTransport : IIpcTransport
{
    private readonly IIpcTransport _sockets;
    private readonly IIpcTransport _pipes;

    /// <summary>Creates the selector over the OS transports.</summary>
    public EndpointTransport()
        : this(new UnixSocketTransport(), new NamedPipeTransport())
    {
    }

    /// <summary>Creates the selector over the given transports.</summary>
    public EndpointTransport(IIpcTransport sockets, IIpcTransport pipes)
    {
        _sockets = sockets;
        _pipes = pipes;
    }

    private IIpcTransport For(string endpoint) => SocketPaths.IsNamedPipe(endpoint) ? _pipes : _sockets;

    /// <inheritdoc />
    public ValueTask<EndpointProbe> ProbeAsync(string endpoint, CancellationToken cancellationToken) => For(endpoint).ProbeAsync(endpoint, cancellationToken);

    /// <inheritdoc />
    public Fin<Unit> RemoveStale(string endpoint) => For(endpoint).RemoveStale(endpoint);

    /// <inheritdoc />
    public Fin<IIpcListener> Listen(string endpoint, int backlog) => For(endpoint).Listen(endpoint, backlog);

    /// <inheritdoc />
    public Fin<IIpcListener> Adopt(string endpoint, int fd) => For(endpoint).Adopt(endpoint, fd);

    /// <inheritdoc />
    public ValueTask<Either<ConnectFailure, IIpcStream>> ConnectAsync(string endpoint, CancellationToken cancellationToken) => For(endpoint).ConnectAsync(endpoint, cancellationToken);

    /// <inheritdoc />
    public Option<DescriptorUse> Descriptors() => _sockets.Descriptors();
}
