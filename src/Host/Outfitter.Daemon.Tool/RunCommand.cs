using Outfitter.Daemon.Adapters.Signals;
using Outfitter.Daemon.Core.Lifecycle;

namespace Outfitter.Daemon.Tool;

/// <summary>
/// <c>outfitter-daemon run --socket PATH</c>: serves IPC in the foreground with the built-in handlers (<c>ping</c>,
/// <c>echo</c>, <c>health</c>; any other type gets an error reply naming it), prints <c>READY &lt;path&gt;</c> once it accepts
/// connections, and closes gracefully on SIGTERM, SIGINT or SIGQUIT.
/// </summary>
public static class RunCommand
{
    /// <summary>Runs the server until a stop signal; the exit code.</summary>
    public static async Task<int> RunAsync(string socketPath, TextWriter stdout, TextWriter stderr)
    {
        var router = new IpcRouter().MapBuiltins().MapHealth(HealthChecker.Create());
        await using var server = IpcServer.Create(socketPath);
        server.OnRequest(router.Handle);

        var listening = await server.ListenAsync();
        if (listening.IsLeft)
        {
            listening.IfLeft(e => stderr.WriteLine(e.Message));
            return ExitCodes.Failure;
        }

        var stop = new TaskCompletionSource<StopSignal>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (new PosixSignals().Subscribe(signal => stop.TrySetResult(signal)))
        {
            await stdout.WriteLineAsync($"READY {socketPath}");
            await stdout.FlushAsync();
            var signal = await stop.Task;
            await stderr.WriteLineAsync($"Received {signal}; closing {socketPath}.");
            await server.CloseAsync();
        }

        return ExitCodes.Ok;
    }
}
