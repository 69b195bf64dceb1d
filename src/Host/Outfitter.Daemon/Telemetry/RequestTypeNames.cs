using System.Text;
using Outfitter.Daemon.Core.Ipc;

namespace Outfitter.Daemon.Telemetry;

/// <summary>
/// The payload <c>type</c> of a request as a tag value, without allocating once a name was seen: the first
/// <see cref="Capacity"/> distinct names (each at most <see cref="MaxNameBytes"/> UTF-8 bytes) are kept with their span
/// names; any other name is <see cref="Other"/>, so a client cannot grow a metric's cardinality (or this cache) without
/// bound. One per server. Thread-safe: readers scan an immutable array, writers replace it under a lock.
/// </summary>
internal sealed class RequestTypeNames
{
    internal const int Capacity = 64;
    internal const int MaxNameBytes = 64;
    internal const string Other = "_OTHER";
    internal const string None = "_NONE";
    private const string SpanPrefix = "outfitter.daemon.ipc ";

    private readonly object _gate = new();
    private Entry[] _entries = [];

    /// <summary>The tag value and span name for the request <paramref name="payload"/>'s <c>type</c>.</summary>
    internal Entry Of(ReadOnlySpan<byte> payload)
    {
        Span<byte> buffer = stackalloc byte[MaxNameBytes];
        var length = PayloadFields.TryGetString(payload, "type"u8, buffer);
        if (length < 0)
        {
            // Absent, not a string, not text, or too long: tell the first from the rest.
            return PayloadFields.TryGetRaw(payload, "type"u8, out _) ? OtherEntry : NoneEntry;
        }

        var name = buffer[..length];
        var entries = Volatile.Read(ref _entries);
        foreach (var entry in entries)
        {
            if (name.SequenceEqual(entry.Utf8))
                return entry;
        }

        return Add(name);
    }

    private static readonly Entry OtherEntry = new([], Other, SpanPrefix + Other);
    private static readonly Entry NoneEntry = new([], None, SpanPrefix + None);

    private Entry Add(ReadOnlySpan<byte> name)
    {
        lock (_gate)
        {
            foreach (var entry in _entries)
            {
                if (name.SequenceEqual(entry.Utf8))
                    return entry;
            }

            if (_entries.Length >= Capacity)
                return OtherEntry;
            var text = Encoding.UTF8.GetString(name);
            var added = new Entry(name.ToArray(), text, SpanPrefix + text);
            Volatile.Write(ref _entries, [.. _entries, added]);
            return added;
        }
    }

    /// <summary>One known type: its UTF-8 bytes, tag value and span name.</summary>
    internal sealed record Entry(byte[] Utf8, string Tag, string SpanName);
}
