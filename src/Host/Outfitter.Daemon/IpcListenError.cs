using Microsoft.Extensions.Logging;
using Outfitter.Daemon.Core.Ipc;

namespace Outfitter.Daemon;

/// <summary>An expected failure to listen.</summary>
/// <param name="Code">What kind of failure.</param>
/// <param name="Message">What happened and what to do.</param>
/// <param name="Path">The endpoint.</param>
public sealed record IpcListenError(IpcListenErrorCode Code, string Message, string Path)
{
    /// <inheritdoc />
    public override string ToString() => Message;
}
