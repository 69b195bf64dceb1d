using System.Buffers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Outfitter.Daemon;
using Outfitter.Daemon.Hosting;

// A daemon is started from any directory: read appsettings.json from beside the program, not from the current directory.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });

// Options come from the "Outfitter:Daemon" section (appsettings.json, Outfitter__Daemon__* environment variables,
// --Outfitter:Daemon:Name=… on the command line); the delegate runs after it. They are validated when the host starts.
builder.Services.AddOutfitterDaemon()
    .AddHealthCheck("worker", ct => Task.FromResult(Worker.Beats > 0), "the worker has not run yet")
    .MapRequest("beats", request =>
    {
        request.Result.Write(System.Text.Encoding.UTF8.GetBytes($"{{\"beats\":{Worker.Beats}}}"));
        return IpcResult.Written;
    })
    .AsHostedService();   // lock first, then your services; shutdown request, SIGTERM and Ctrl+C all stop the host

builder.Services.AddHostedService<Worker>();
builder.Services.AddSystemd();   // only under systemd: the host sends READY/STOPPING, the daemon STATUS and the watchdog

using var host = builder.Build();
return await host.RunDaemonAsync();   // 0 after a graceful stop, 1 if another instance runs (see the README's table)

/// <summary>The app's own work: starts only once the daemon holds its lock.</summary>
internal sealed class Worker(ILogger<Worker> logger) : BackgroundService
{
    private static long _beats;

    public static long Beats => Interlocked.Read(ref _beats);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Worker started");
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        do
            Interlocked.Increment(ref _beats);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
