using System.Collections.ObjectModel;

// User-facing: in the namespace users import (the file lives with the core concept it belongs to).
namespace Outfitter.Daemon;

/// <summary>
/// What a daemon said about itself in its answer to the <c>hello</c> handshake (protocol 2), or <see cref="ProtocolOne"/>
/// for a server that does not know <c>hello</c> (the TypeScript reference, a daemon built before the handshake, a bare
/// handler that answered it like any other message). Only protocol 2 fills the other members.
/// </summary>
/// <param name="Protocol">The protocol the server speaks: 1 (the reference's) or 2 (with the extensions).</param>
/// <param name="Name">The daemon's name, when it said.</param>
/// <param name="Version">The daemon's version, when it said.</param>
/// <param name="Build">An identifier of the daemon's build (two builds of one version differ), when it said.</param>
/// <param name="Pid">The daemon's process ID, when it said.</param>
/// <param name="StartedAt">When the daemon started serving, when it said.</param>
/// <param name="Capabilities">The extensions it supports (<c>cancel</c>, <c>events</c>, <c>idle</c>, …); empty for protocol 1.</param>
/// <param name="OptionsHash">A hash of the options it was started with, when its owner set one.</param>
public sealed record ServerHello(
    int Protocol,
    string? Name,
    string? Version,
    string? Build,
    int? Pid,
    DateTimeOffset? StartedAt,
    IReadOnlyList<string> Capabilities,
    string? OptionsHash)
{
    /// <summary>A server that does not speak the handshake: protocol 1, nothing known about it.</summary>
    public static ServerHello ProtocolOne { get; } = new(1, null, null, null, null, null, ReadOnlyCollection<string>.Empty, null);

    /// <summary>True when the server announced <paramref name="capability"/> (see <c>ProtocolExtensions</c>' capability names).</summary>
    /// <param name="capability">A capability name such as <c>"cancel"</c>.</param>
    public bool Supports(string capability) => Capabilities.Contains(capability, StringComparer.Ordinal);
}
