using LanguageExt;
using LanguageExt.Common;
using Outfitter.Daemon.Composition;
using Outfitter.Daemon.Core.Paths;
using Outfitter.Daemon.Core.Ports;
using Outfitter.Daemon.Functional;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon;

/// <summary>
/// Resolves daemon paths from the real environment: observes the facts through <see cref="IRuntimeEnvironment"/>,
/// resolves them with the pure <see cref="PathResolver"/>, and, when the private temp-dir fallback is chosen, makes sure
/// that directory exists, is ours and is 0700. <see cref="DaemonPaths"/> is the static facade over <see cref="Os"/>.
/// Thread-safe.
/// </summary>
public sealed class DaemonPathResolver
{
    private static readonly Lazy<DaemonPathResolver> OsInstance =
        new(() => new DaemonPathResolver(OsPorts.Current.Runtime, OsPorts.Current.Directories));

    private readonly IRuntimeEnvironment _environment;
    private readonly IDirectories _directories;

    /// <summary>Creates a resolver over the given ports.</summary>
    public DaemonPathResolver(IRuntimeEnvironment environment, IDirectories directories)
    {
        _environment = environment ?? throw new ArgumentNullException(nameof(environment));
        _directories = directories ?? throw new ArgumentNullException(nameof(directories));
    }

    /// <summary>The resolver over this operating system's adapters.</summary>
    public static DaemonPathResolver Os => OsInstance.Value;

    /// <summary>Whether this platform uses Unix domain sockets (Linux, macOS and other Unix systems).</summary>
    public bool IsUnixPlatform() => _environment.Observe().Os.IsUnix();

    /// <summary>
    /// Validates <paramref name="tool"/> and resolves its daemon paths. When <c>/run/user/&lt;uid&gt;</c> is missing the
    /// runtime directory falls back to <c>&lt;temp&gt;/outfitter-&lt;uid&gt;</c>, which this call creates 0700 (or checks
    /// is ours and tightens to 0700) before returning it.
    /// </summary>
    public Result<DaemonPathSet, PathError> Resolve(string? tool)
    {
        var facts = _environment.Observe();
        return PathResolver.Resolve(facts, tool)
            .Bind(paths => paths.PrivateBaseDir is { } dir
                ? EnsurePrivate(dir, facts.UserId).Map(_ => paths)
                : Right<PathError, DaemonPathSet>(paths))
            .ToResult();
    }

    /// <summary>Makes <paramref name="dir"/> a directory that only <paramref name="uid"/> can use.</summary>
    private Either<PathError, Unit> EnsurePrivate(string dir, uint uid)
    {
        // Two rounds: if someone creates the directory between our look and our mkdir, look again and judge what is there.
        for (var round = 0; round < 2; round++)
        {
            var facts = _directories.Inspect(dir);
            if (facts.IsFail)
                return IoError(dir, (Error)facts);
            switch (PrivateDirectory.Decide(dir, (Option<DirectoryFacts>)facts, uid))
            {
                case PrivateDirectoryDecision.UseAsIs:
                    return unit;
                case PrivateDirectoryDecision.Tighten:
                    return _directories.SetOwnerOnly(dir).Match(Succ: Right<PathError, Unit>, Fail: e => IoError(dir, e));
                case PrivateDirectoryDecision.Refuse refuse:
                    return refuse.Error;
                case PrivateDirectoryDecision.Create:
                    if (_directories.CreatePrivate(dir).IsSucc)
                        return unit;
                    break;
                default:
                    throw new InvalidOperationException("Unknown private directory decision.");
            }
        }

        return IoError(dir, Error.New("it could not be created"));
    }

    private static Either<PathError, Unit> IoError(string dir, Error error) =>
        new PathError(PathErrorCode.Io, $"Cannot prepare the runtime directory {dir}: {error.Message}. Set XDG_RUNTIME_DIR to a private directory.");
}
