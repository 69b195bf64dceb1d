namespace Outfitter.Daemon;

/// <summary>
/// The value of an operation that succeeds without producing anything (stopping a daemon, starting to listen):
/// <c>Result&lt;Done, DaemonError&gt;</c>, the way <c>Task</c> is the void of <c>Task&lt;T&gt;</c>. All values are equal.
/// </summary>
public readonly struct Done : IEquatable<Done>
{
    /// <summary>The one value.</summary>
    public static Done Value => default;

    /// <inheritdoc />
    public bool Equals(Done other) => true;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Done;

    /// <inheritdoc />
    public override int GetHashCode() => 0;

    /// <summary>Always true: there is one value.</summary>
    public static bool operator ==(Done left, Done right) => true;

    /// <summary>Always false: there is one value.</summary>
    public static bool operator !=(Done left, Done right) => false;

    /// <inheritdoc />
    public override string ToString() => "Done";
}
