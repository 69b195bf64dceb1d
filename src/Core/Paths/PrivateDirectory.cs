using LanguageExt;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Paths;

/// <summary>What the file system reports about an existing path, without following symbolic links.</summary>
/// <param name="IsDirectory">The path is a directory.</param>
/// <param name="IsSymbolicLink">The path is a symbolic link (to anything).</param>
/// <param name="OwnerUid">The owning user id.</param>
/// <param name="Mode">The permission bits (for example 0700 octal = 448).</param>
public sealed record DirectoryFacts(bool IsDirectory, bool IsSymbolicLink, uint OwnerUid, int Mode);

/// <summary>What to do so that a directory is private to the current user.</summary>
internal abstract record PrivateDirectoryDecision
{
    private PrivateDirectoryDecision()
    {
    }

    /// <summary>Nothing exists: create it with mode 0700.</summary>
    public sealed record Create : PrivateDirectoryDecision;

    /// <summary>It exists, is ours and is private: use it.</summary>
    public sealed record UseAsIs : PrivateDirectoryDecision;

    /// <summary>It is ours but group or others have access: set mode 0700, then use it.</summary>
    public sealed record Tighten(int CurrentMode) : PrivateDirectoryDecision;

    /// <summary>It must not be used; the reason says why and what to do.</summary>
    public sealed record Refuse(PathError Error) : PrivateDirectoryDecision;
}

/// <summary>Pure decisions about private directories (the temp-dir fallback for the runtime directory).</summary>
internal static class PrivateDirectory
{
    /// <summary>Owner read, write and search: 0700.</summary>
    public const int OwnerOnlyMode = 0b111_000_000;

    /// <summary>
    /// Decides how to make <paramref name="path"/> private to <paramref name="uid"/>. Another user's directory, a symbolic
    /// link or a non-directory is refused: in a shared temp dir those could be planted by someone else to capture our socket.
    /// </summary>
    public static PrivateDirectoryDecision Decide(string path, Option<DirectoryFacts> facts, uint uid) =>
        facts.Match(
            None: () => new PrivateDirectoryDecision.Create(),
            Some: f => f switch
            {
                { IsSymbolicLink: true } => Refuse(path, "it is a symbolic link; remove it"),
                { IsDirectory: false } => Refuse(path, "it exists and is not a directory; remove it"),
                _ when f.OwnerUid != uid => Refuse(path, $"it is owned by uid {f.OwnerUid}, not by us (uid {uid}); remove it or set XDG_RUNTIME_DIR"),
                _ when (f.Mode & 0b111_111_111) != OwnerOnlyMode => new PrivateDirectoryDecision.Tighten(f.Mode),
                _ => (PrivateDirectoryDecision)new PrivateDirectoryDecision.UseAsIs(),
            });

    private static PrivateDirectoryDecision Refuse(string path, string why) =>
        new PrivateDirectoryDecision.Refuse(new PathError(PathErrorCode.UnsafeDirectory, $"Refusing to use {path} as the runtime directory: {why}."));

    /// <summary>Renders a mode as octal, for messages.</summary>
    public static string Octal(int mode) => Convert.ToString(mode & 0b111_111_111_111, 8).PadLeft(4, '0');
}
