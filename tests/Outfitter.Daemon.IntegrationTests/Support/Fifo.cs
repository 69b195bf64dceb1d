using System.Diagnostics;

namespace Outfitter.Daemon.IntegrationTests.Support;

/// <summary>Named pipes (FIFOs) as gates: every reader blocks in open() until a writer opens, then all go at once.</summary>
public static class Fifo
{
    /// <summary>Creates a FIFO with mkfifo(1).</summary>
    public static void Create(string path)
    {
        using var mkfifo = Process.Start("mkfifo", [path]) ?? throw new InvalidOperationException("mkfifo did not start");
        mkfifo.WaitForExit();
        if (mkfifo.ExitCode != 0)
            throw new InvalidOperationException($"mkfifo {path} failed with {mkfifo.ExitCode}");
    }

    /// <summary>Opens the FIFO for writing (releasing every blocked reader) within the deadline.</summary>
    public static async Task<FileStream> OpenGateAsync(string path, TimeSpan deadline)
    {
        var open = Task.Run(() => new FileStream(path, FileMode.Open, FileAccess.Write));
        var done = await Task.WhenAny(open, Task.Delay(deadline));
        return done == open ? await open : throw new TimeoutException($"No reader opened {path} within {deadline}.");
    }
}
