namespace Outfitter.Daemon.Testing;

/// <summary>A directory on <see cref="FakeOs"/>, as <see cref="FakeOs.PutDirectory"/> places it and <see cref="FakeOs.GetDirectory"/> reports it. Immutable.</summary>
/// <param name="OwnerUid">The uid that owns it (the simulated processes run as <see cref="FakeOs.UserId"/>).</param>
/// <param name="Mode">Its permission bits, e.g. <c>0b111_000_000</c> for owner-only (0700).</param>
/// <param name="IsDirectory">Whether it is a directory (false: something else sits at the path).</param>
/// <param name="IsSymbolicLink">Whether the path is a symbolic link.</param>
public sealed record FakeDirectory(uint OwnerUid, int Mode, bool IsDirectory = true, bool IsSymbolicLink = false);
