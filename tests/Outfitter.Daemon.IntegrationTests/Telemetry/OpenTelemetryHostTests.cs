using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Outfitter.Daemon.Hosting;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Telemetry;

/// <summary>
/// The README's wiring, as a user writes it: a real Generic Host running the daemon as a hosted service, with
/// <c>AddOpenTelemetry().WithMetrics(m =&gt; m.AddMeter(…)).WithTracing(t =&gt; t.AddSource(…))</c> and OpenTelemetry's
/// in-memory exporter, asked over its real socket. The SDK listens process-wide, so only this host's socket's points and
/// spans are looked at.
/// </summary>
public sealed class OpenTelemetryHostTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task With_AddMeter_and_AddSource_the_hosts_exporters_receive_the_daemons_metrics_and_spans()
    {
        var socket = _dir.Combine("otel.sock");
        var metrics = new List<MetricSnapshot>();
        var spans = new List<Activity>();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddOutfitterDaemon(o =>
        {
            o.Name = "otel";
            o.SocketPath = socket;
            o.LockPath = _dir.Combine("otel.lock");
        }).AsHostedService();
        builder.Services.AddOpenTelemetry()
            .WithMetrics(m => m.AddMeter(DaemonTelemetry.MeterName).AddInMemoryExporter(metrics))
            .WithTracing(t => t.AddSource(DaemonTelemetry.ActivitySourceName).AddInMemoryExporter(spans));
        using var host = builder.Build();
        await host.StartAsync();

        await using (var client = IpcClient.Create(socket))
        {
            Assert.True((await client.ConnectAsync()).IsSuccess);
            Assert.True((await client.SendRawAsync("""{"type":"ping"}"""u8.ToArray())).IsSuccess);
            Assert.True((await client.SendRawAsync("""{"type":"ping"}"""u8.ToArray())).IsSuccess);
            Assert.False((await client.SendRawAsync("""{"type":"no-such-request"}"""u8.ToArray())).IsSuccess);
            Assert.True((await client.SendRawAsync("""{"type":"health"}"""u8.ToArray())).IsSuccess);
        }

        Assert.True(host.Services.GetRequiredService<MeterProvider>().ForceFlush(30_000));
        Assert.True(host.Services.GetRequiredService<TracerProvider>().ForceFlush(30_000));

        var requests = Points(metrics, DaemonTelemetry.Requests, socket);
        Assert.Equal(2, requests.Where(p => Tag(p, "type") == "ping" && Tag(p, "outcome") == "ok").Sum(p => p.GetSumLong()));
        Assert.Equal(1, requests.Where(p => Tag(p, "type") == "no-such-request" && Tag(p, "error.type") == "UNKNOWN_TYPE").Sum(p => p.GetSumLong()));
        Assert.Equal(4, Points(metrics, DaemonTelemetry.RequestDuration, socket).Sum(p => p.GetHistogramCount()));
        Assert.NotEmpty(Points(metrics, DaemonTelemetry.ActiveConnections, socket));

        var server = spans.Where(s => s.Kind == ActivityKind.Server && Equals(s.GetTagItem("server.address"), socket)).ToList();
        Assert.Equal(4, server.Count);
        Assert.Equal(2, server.Count(s => s.DisplayName == "outfitter.daemon.ipc ping"));
        Assert.Equal(ActivityStatusCode.Error, Assert.Single(server, s => s.DisplayName == "outfitter.daemon.ipc no-such-request").Status);

        await host.StopAsync();
    }

    // Cumulative temporality: the last export of a metric holds its totals so far.
    private static List<MetricPoint> Points(List<MetricSnapshot> exported, string name, string socket)
    {
        var last = exported.LastOrDefault(m => m.Name == name);
        Assert.True(last is not null, $"No {name} was exported; exported: {string.Join(", ", exported.Select(m => m.Name).Distinct())}");
        return last.MetricPoints.Where(p => Tag(p, "server.address") == socket).ToList();
    }

    private static string? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key)
                return tag.Value?.ToString();
        }

        return null;
    }
}
