using System.Buffers;

namespace Outfitter.Daemon.Ipc;

/// <summary>
/// A growable output buffer for reply lines that can be truncated back to a mark (so a handler's partial output can be
/// replaced by an error reply). Pooled storage, rented on the first write and given back with <see cref="ReleaseIfEmpty"/>,
/// so an idle connection holds none; not thread-safe.
/// </summary>
internal sealed class ReplyBuffer : IBufferWriter<byte>
{
    private const int ShrinkAboveBytes = 1024 * 1024;
    private readonly int _initialBytes;
    private byte[] _buffer;
    private int _written;

    internal ReplyBuffer(int initialBytes)
    {
        _initialBytes = initialBytes;
        _buffer = [];
    }

    internal int WrittenCount => _written;

    internal ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    internal ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Drops everything written after <paramref name="mark"/> (a previous <see cref="WrittenCount"/>).</summary>
    internal void Truncate(int mark) => _written = mark;

    /// <summary>Empties the buffer; gives back a large array so one big reply does not pin memory.</summary>
    internal void Clear()
    {
        _written = 0;
        if (_buffer.Length > ShrinkAboveBytes)
            _buffer = []; // the large one is left to the GC, not kept in the pool
    }

    /// <summary>Returns the storage to the pool when nothing is written; the next write rents again.</summary>
    internal void ReleaseIfEmpty()
    {
        if (_written == 0 && _buffer.Length > 0)
            Release();
    }

    /// <summary>Appends bytes.</summary>
    internal void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _written += bytes.Length;
    }

    /// <summary>Returns the storage to the pool.</summary>
    internal void Release()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length is > 0 and <= ShrinkAboveBytes)
            ArrayPool<byte>.Shared.Return(buffer);
        _written = 0;
    }

    private void Ensure(int sizeHint)
    {
        var needed = _written + Math.Max(sizeHint, 1);
        if (needed <= _buffer.Length)
            return;
        var size = Math.Max(Math.Max(needed, _initialBytes), _buffer.Length * 2);
        var bigger = size > ShrinkAboveBytes ? GC.AllocateUninitializedArray<byte>(size) : ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, _written).CopyTo(bigger);
        if (_buffer.Length is > 0 and <= ShrinkAboveBytes)
            ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
