using System.Diagnostics;
using System.Runtime.InteropServices;
using Outfitter.Daemon.Adapters.Interop;

namespace Outfitter.Daemon.Adapters.Processes;

/// <summary>Asks another process to stop (SIGTERM) or kills it (SIGKILL). Thread-safe.</summary>
public static class ProcessControl
{
    /// <summary>Sends SIGTERM (on Windows: kills, as there is no polite equivalent for a console-less daemon). False if it is gone.</summary>
    public static bool Terminate(int pid)
    {
        if (pid <= 0)
            return false;
        if (OperatingSystem.IsWindows())
            return Kill(pid);
        return Libc.kill(pid, 15) == 0 || Marshal.GetLastPInvokeError() != Libc.ESRCH;
    }

    /// <summary>Kills the process (SIGKILL). False if it is gone.</summary>
    public static bool Kill(int pid)
    {
        if (pid <= 0)
            return false;
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
            return true;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
