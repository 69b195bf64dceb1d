namespace Outfitter.Daemon.Core.Ipc;

/// <summary>
/// How a read on an IPC stream ended: bytes received, the end of the stream, or a failure. A struct (reads are the hot
/// path and allocate nothing); <c>default(StreamRead)</c> is a failure (<see cref="StreamFailure.Unknown"/>), never
/// "zero bytes". Immutable.
/// </summary>
public readonly struct StreamRead : IEquatable<StreamRead>
{
    private readonly Outcome _outcome;

    private StreamRead(Outcome outcome, int count, StreamFailure failure)
    {
        _outcome = outcome;
        Count = count;
        Failure = failure;
    }

    private enum Outcome : byte
    {
        Unset = 0,
        Received,
        EndOfStream,
        Failed,
    }

    /// <summary>The peer closed its sending side (or this side's reading side was shut): nothing more will arrive.</summary>
    public static StreamRead EndOfStream => new(Outcome.EndOfStream, 0, StreamFailure.Unknown);

    /// <summary>How many bytes were received (0 after a zero-byte wait, see <c>IIpcStream.ReadAsync</c>); 0 otherwise.</summary>
    public int Count { get; }

    /// <summary>Why the read failed; <see cref="StreamFailure.Unknown"/> unless <see cref="IsFailed"/>.</summary>
    public StreamFailure Failure { get; }

    /// <summary>True when bytes were received (or, for a zero-byte wait, data or the end is there).</summary>
    public bool IsReceived => _outcome == Outcome.Received;

    /// <summary>True at the end of the stream.</summary>
    public bool IsEndOfStream => _outcome == Outcome.EndOfStream;

    /// <summary>True when the read failed (including a default value).</summary>
    public bool IsFailed => _outcome is Outcome.Failed or Outcome.Unset;

    /// <summary><paramref name="count"/> bytes were received.</summary>
    public static StreamRead Received(int count) =>
        count >= 0 ? new(Outcome.Received, count, StreamFailure.Unknown) : throw new ArgumentOutOfRangeException(nameof(count), count, "A byte count cannot be negative.");

    /// <summary>The read failed with <paramref name="failure"/>.</summary>
    public static StreamRead Failed(StreamFailure failure) => new(Outcome.Failed, 0, failure);

    /// <inheritdoc />
    public bool Equals(StreamRead other) => _outcome == other._outcome && Count == other.Count && Failure == other.Failure;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is StreamRead other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_outcome, Count, Failure);

    /// <inheritdoc />
    public override string ToString() => _outcome switch
    {
        Outcome.Received => $"Received({Count})",
        Outcome.EndOfStream => "EndOfStream",
        _ => $"Failed({Failure})",
    };

    /// <summary>Equality.</summary>
    public static bool operator ==(StreamRead left, StreamRead right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(StreamRead left, StreamRead right) => !left.Equals(right);
}
