using System.Buffers;
using System.Net.Sockets;
using System.Text.Json;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.IntegrationTests.Support;
using Xunit;

namespace Outfitter.Daemon.IntegrationTests.Shutdown;

/// <summary>
/// No request lost at shutdown, at socket level, for each way a stop starts: <see cref="IpcServer.CloseAsync"/>, SIGTERM
/// to a real daemon process, and the <c>shutdown</c> request from another connection. In every round one connection keeps
/// 32 pings in flight while the server stops; every line it managed to write must get exactly one reply (its response or
/// <c>SHUTTING_DOWN</c>), then an orderly end of stream (never a reset), and a later write must fail at once.
/// </summary>
[Collection(Tool.ToolTestBase.Collection)] // real daemon processes: run beside the tool's tests, not against them
public sealed class ShutdownDrainTests : IDisposable
{
    private const int Rounds = 100;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task CloseAsync_answers_every_received_request_then_ends_with_eof_in_every_round()
    {
        var rounds = new List<ShutdownRound>();
        for (var round = 0; round < Rounds; round++)
        {
            var socket = _dir.Combine($"c{round % 4}.sock");
            await using var server = IpcServer.Create(socket);
            var count = 0;

            // Mixed handlers: most answer in place, every fourth asynchronously (so some are in flight at the stop).
            server.OnRequest(request => Interlocked.Increment(ref count) % 4 == 0
                ? IpcResult.Pending(AsyncPong())
                : Pong(request));
            Assert.True((await server.ListenAsync()).IsSuccess);

            rounds.Add(Check(round, await ShutdownPipeline.RunAsync(socket, () => server.CloseAsync())));
        }

        AssertDrainExercised(rounds);

        static IpcResult Pong(IpcRequest request)
        {
            request.Result.Write("\"pong\""u8);
            return IpcResult.Written;
        }

        static async Task<IpcReply> AsyncPong()
        {
            await Task.Yield();
            return IpcReply.FromJson("\"pong\""u8.ToArray());
        }
    }

    [Fact]
    public async Task Sigterm_to_a_daemon_process_answers_every_received_request_then_ends_with_eof_in_every_round()
    {
        var rounds = new List<ShutdownRound>();
        for (var round = 0; round < Rounds; round++)
        {
            var socket = _dir.Combine($"t{round % 4}.sock");
            using var daemon = await StartDaemonAsync(socket);
            var result = await ShutdownPipeline.RunAsync(socket, () =>
            {
                Signals.Send(daemon.Pid, Signals.SIGTERM);
                return Task.CompletedTask;
            });
            Assert.Equal(0, await daemon.WaitForExitAsync());
            rounds.Add(Check(round, result));
        }

        AssertDrainExercised(rounds);
    }

    [Fact]
    public async Task A_shutdown_request_on_another_connection_answers_every_received_request_then_ends_with_eof_in_every_round()
    {
        var rounds = new List<ShutdownRound>();
        for (var round = 0; round < Rounds; round++)
        {
            var socket = _dir.Combine($"s{round % 4}.sock");
            using var daemon = await StartDaemonAsync(socket);
            using var other = await RawClient.ConnectAsync(socket);
            var result = await ShutdownPipeline.RunAsync(socket, async () =>
            {
                await other.SendAsync("{\"id\":\"stop\",\"type\":\"request\",\"payload\":{\"type\":\"shutdown\"}}\n");
                Assert.Contains("\"stopping\":true", await other.ReadLineAsync(), StringComparison.Ordinal);
            });
            Assert.Equal(0, await daemon.WaitForExitAsync());
            rounds.Add(Check(round, result));
        }

        AssertDrainExercised(rounds);
    }

    [Fact]
    public async Task The_csharp_client_tells_refused_requests_safe_to_retry_and_never_reports_one_as_lost()
    {
        var socket = _dir.Combine("client.sock");
        await using var server = IpcServer.Create(socket);
        server.OnRequest(request =>
        {
            request.Result.Write("\"pong\""u8);
            return IpcResult.Written;
        });
        Assert.True((await server.ListenAsync()).IsSuccess);
        await using var client = IpcClient.Create(socket);
        Assert.True((await client.ConnectAsync()).IsSuccess);
        var ping = JsonDocument.Parse("{\"type\":\"ping\"}").RootElement;

        // Requests keep going out from several callers while the server closes under them.
        var closing = Task.Run(async () =>
        {
            await Task.Yield();
            await server.CloseAsync();
        });
        var callers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            var results = new List<Result<JsonElement, DaemonConnectionError>>();
            for (var i = 0; i < 200; i++)
                results.Add(await client.SendAsync(ping));
            return results;
        })).ToArray();
        await closing;
        var all = (await Task.WhenAll(callers)).SelectMany(r => r).ToList();

        var errors = all.Where(r => r.IsFailure).Select(r => r.Match(_ => throw new InvalidOperationException(), e => e)).ToList();
        Assert.All(errors, e => Assert.True(e.IsSafeToRetry && !e.OutcomeUnknown, $"Not executed, so safe to retry: {e}"));
        Assert.Contains(errors, e => e is DaemonConnectionError.ConnectionClosedError { RequestSent: false });
        Assert.Contains("safe to retry", errors.First().Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_lost_after_the_request_was_written_is_reported_as_outcome_unknown()
    {
        var socket = _dir.Combine("lost.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socket));
        listener.Listen(1);
        await using var client = IpcClient.Create(socket);
        Assert.True((await client.ConnectAsync()).IsSuccess);
        using var accepted = await listener.AcceptAsync();

        var sending = client.SendAsync(JsonDocument.Parse("{\"type\":\"ping\"}").RootElement);
        var buffer = new byte[1024];
        Assert.True(await accepted.ReceiveAsync(buffer) > 0, "The request arrived.");
        accepted.Close(); // the "daemon" dies with the request read and unanswered

        var error = (await sending).Match(_ => throw new InvalidOperationException("No reply was sent."), e => e);
        var closed = Assert.IsType<DaemonConnectionError.ConnectionClosedError>(error);
        Assert.True(closed.RequestSent);
        Assert.True(closed.OutcomeUnknown);
        Assert.False(closed.IsSafeToRetry);
        Assert.Contains("unknown", closed.Message, StringComparison.Ordinal);
    }

    private async Task<ChildProcess> StartDaemonAsync(string socket)
    {
        var daemon = ChildProcess.StartDotnet(Artifacts.ToolDll, "run", "--socket", socket);
        var ready = await daemon.NextLineAsync();
        Assert.StartsWith("READY", ready, StringComparison.Ordinal);
        return daemon;
    }

    private static ShutdownRound Check(int round, ShutdownRound result)
    {
        Assert.True(result.KeptContract, $"Round {round} broke the shutdown contract: {result}");
        Assert.True(result.Sent >= 48, $"Round {round}: the stop started before the pipeline was busy: {result}");
        return result;
    }

    private static void AssertDrainExercised(List<ShutdownRound> rounds)
    {
        // Over all rounds, lines were in the queue when the stop began: the SHUTTING_DOWN path really ran.
        Assert.True(rounds.Sum(r => r.ShuttingDown) > 0, "No round had a request in the queue at the stop; the test did not exercise the drain.");
    }
}
