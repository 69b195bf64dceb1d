using System.Runtime.InteropServices;

namespace Outfitter.Daemon.IntegrationTests.Support;

/// <summary>Real POSIX signals for child processes, and waiting on conditions with a deadline.</summary>
public static partial class Signals
{
    public const int SIGINT = 2;
    public const int SIGQUIT = 3;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; fails the test if the kernel refuses.</summary>
    public static void Send(int pid, int signal)
    {
        if (kill(pid, signal) != 0)
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, or fails after the deadline with <paramref name="what"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? deadline = null)
    {
        using var cts = new CancellationTokenSource(deadline ?? ChildProcess.DefaultDeadline);
        while (!condition())
        {
            try
            {
                await Task.Delay(10, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
