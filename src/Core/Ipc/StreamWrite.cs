namespace Outfitter.Daemon.Core.Ipc;

/// <summary>
/// How a write on an IPC stream ended: every byte written, or a failure. A struct (writes are the hot path and allocate
/// nothing); <c>default(StreamWrite)</c> is a failure (<see cref="StreamFailure.Unknown"/>), never a success. Immutable.
/// </summary>
public readonly struct StreamWrite : IEquatable<StreamWrite>
{
    private readonly bool _written;

    private StreamWrite(bool written, StreamFailure failure)
    {
        _written = written;
        Failure = failure;
    }

    /// <summary>Every byte was handed to the transport.</summary>
    public static StreamWrite Written => new(true, StreamFailure.Unknown);

    /// <summary>True when every byte was written.</summary>
    public bool IsWritten => _written;

    /// <summary>Why the write failed; <see cref="StreamFailure.Unknown"/> when it did not (or for a default value).</summary>
    public StreamFailure Failure { get; }

    /// <summary>The write failed with <paramref name="failure"/> (some bytes may have gone out).</summary>
    public static StreamWrite Failed(StreamFailure failure) => new(false, failure);

    /// <inheritdoc />
    public bool Equals(StreamWrite other) => _written == other._written && Failure == other.Failure;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is StreamWrite other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_written, Failure);

    /// <inheritdoc />
    public override string ToString() => _written ? "Written" : $"Failed({Failure})";

    /// <summary>Equality.</summary>
    public static bool operator ==(StreamWrite left, StreamWrite right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(StreamWrite left, StreamWrite right) => !left.Equals(right);
}
