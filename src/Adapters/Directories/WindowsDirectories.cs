using System.Runtime.Versioning;
using LanguageExt;
using Outfitter.Daemon.Core.Errors;
using Outfitter.Daemon.Core.Paths;
using Outfitter.Daemon.Core.Ports;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Adapters.Directories;

/// <summary>
/// Directories on Windows: daemon files live directly in <c>%TEMP%</c>, which is already per-user, so only creation is
/// needed. Not exercised by CI (Linux only). Thread-safe.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed class WindowsDirectories : IDirectories
{
    /// <inheritdoc />
    public Fin<Option<DirectoryFacts>> Inspect(string path) =>
        OsErrors.Unsupported($"private runtime directories are a Unix notion; {path} is under %TEMP% on Windows");

    /// <inheritdoc />
    public Fin<Unit> CreateAll(string path)
    {
        try
        {
            Directory.CreateDirectory(path);
            return unit;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return OsErrors.Io($"cannot create {path}: {e.Message}");
        }
    }

    /// <inheritdoc />
    public Fin<Unit> CreatePrivate(string path) => CreateAll(path);

    /// <inheritdoc />
    public Fin<Unit> SetOwnerOnly(string path) => unit;

    /// <inheritdoc />
    public Fin<Unit> RemoveTree(string path)
    {
        try
        {
            if (Directory.Exists(path))
                Directory.Delete(path, recursive: true);
            return unit;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return OsErrors.Io($"cannot remove {path}: {e.Message}");
        }
    }
}
