using System.Buffers;
using Outfitter.Daemon.Core.Ipc;

namespace Outfitter.Daemon.Ipc;

/// <summary>
/// The receive buffer of one connection, framed by <see cref="LineFraming"/>: read into <see cref="WritableMemory"/>,
/// <see cref="Advance"/>, then take lines with <see cref="Next"/>. It grows up to the line limit + 1 bytes and no further,
/// so an over-long line is reported, never held whole. Pooled, and only while it holds bytes: an idle connection gives its
/// storage back with <see cref="ReleaseIfEmpty"/> and rents it again on the next read. Not thread-safe (one reader).
/// </summary>
internal sealed class FrameBuffer : IDisposable
{
    private const int InitialBytes = 64 * 1024;
    private const int PooledLimitBytes = 1024 * 1024;
    private readonly int _maxLineBytes;
    private byte[] _buffer = [];
    private int _start;
    private int _end;
    private int _scanned;

    internal FrameBuffer(int maxLineBytes) => _maxLineBytes = maxLineBytes;

    /// <summary>True when no bytes are buffered (no partial line is waiting for its end).</summary>
    internal bool IsEmpty => _start == _end;

    /// <summary>Gives the storage back to the pool when nothing is buffered; the next <see cref="WritableMemory"/> rents again.</summary>
    internal void ReleaseIfEmpty()
    {
        if (_start != _end || _buffer.Length == 0)
            return;
        Return(_buffer);
        _buffer = [];
        _start = _end = _scanned = 0;
    }

    /// <summary>Space to read into (compacting or growing first when needed).</summary>
    internal Memory<byte> WritableMemory()
    {
        if (_buffer.Length == 0)
            _buffer = ArrayPool<byte>.Shared.Rent(InitialBytes);
        if (_start == _end)
        {
            _start = _end = 0;

            // After one long line, go back to a small buffer: memory stays flat however large lines get.
            if (_buffer.Length > PooledLimitBytes)
                _buffer = ArrayPool<byte>.Shared.Rent(InitialBytes);
        }

        if (_end == _buffer.Length)
        {
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
            else
            {
                // Large buffers are not pooled: the pool would keep them (and the RSS) forever.
                var size = Math.Min(_buffer.Length * 2, _maxLineBytes + 1);
                var bigger = size > PooledLimitBytes ? GC.AllocateUninitializedArray<byte>(size) : ArrayPool<byte>.Shared.Rent(size);
                _buffer.AsSpan(0, _end).CopyTo(bigger);
                Return(_buffer);
                _buffer = bigger;
            }
        }

        return _buffer.AsMemory(_end);
    }

    /// <summary>Records that <paramref name="count"/> bytes were read into <see cref="WritableMemory"/>.</summary>
    internal void Advance(int count) => _end += count;

    /// <summary>The next complete line (valid until the next call on this buffer), or why there is none.</summary>
    internal FrameScan Next(out ReadOnlySpan<byte> line)
    {
        var step = LineFraming.Next(_buffer.AsSpan(_start, _end - _start), _scanned, _maxLineBytes);
        switch (step.Scan)
        {
            case FrameScan.Line:
                line = _buffer.AsSpan(_start, step.Length);
                _start += step.Consumed;
                _scanned = 0;
                break;
            case FrameScan.NeedMore:
                line = default;
                _scanned = step.Scanned;
                break;
            default:
                line = default;
                break;
        }

        return step.Scan;
    }

    /// <summary>
    /// The next complete line without taking it (valid until the next call on this buffer), or why there is none; the
    /// following <see cref="Next"/> gives the same line.
    /// </summary>
    internal FrameScan Peek(out ReadOnlySpan<byte> line)
    {
        var step = LineFraming.Next(_buffer.AsSpan(_start, _end - _start), _scanned, _maxLineBytes);
        line = step.Scan == FrameScan.Line ? _buffer.AsSpan(_start, step.Length) : default;
        if (step.Scan == FrameScan.NeedMore)
            _scanned = step.Scanned;
        return step.Scan;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Return(Interlocked.Exchange(ref _buffer, []));
    }

    private static void Return(byte[] buffer)
    {
        if (buffer.Length is > 0 and <= PooledLimitBytes)
            ArrayPool<byte>.Shared.Return(buffer);
    }
}
