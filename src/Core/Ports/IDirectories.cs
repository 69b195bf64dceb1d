using LanguageExt;
using Outfitter.Daemon.Core.Paths;

namespace Outfitter.Daemon.Core.Ports;

/// <summary>Port: directories for daemon files. Thread-safe.</summary>
public interface IDirectories
{
    /// <summary>Facts about the path without following a symbolic link; None when nothing exists there.</summary>
    Fin<Option<DirectoryFacts>> Inspect(string path);

    /// <summary>Creates the directory and any missing parents; directories it creates get mode 0700.</summary>
    Fin<Unit> CreateAll(string path);

    /// <summary>Creates exactly this directory with mode 0700; fails if anything exists there.</summary>
    Fin<Unit> CreatePrivate(string path);

    /// <summary>Sets mode 0700 on an existing directory of ours.</summary>
    Fin<Unit> SetOwnerOnly(string path);

    /// <summary>Removes the directory and everything in it; nothing there is fine.</summary>
    Fin<Unit> RemoveTree(string path);
}
