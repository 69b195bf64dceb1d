namespace Outfitter.Daemon.IntegrationTests.Support;

/// <summary>A unique directory under the temp dir, deleted on dispose. Safe when several test runs share the machine.</summary>
public sealed class TempDir : IDisposable
{
    /// <summary>Creates a fresh, empty directory.</summary>
    public TempDir()
    {
        // Short names: Unix socket paths are limited to about 100 bytes.
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "od-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    /// <summary>The directory.</summary>
    public string Path { get; }

    /// <summary>A path inside the directory.</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone: nothing to clean.
        }
    }
}
