using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using Outfitter.Daemon.Core.Ipc;

namespace Outfitter.Daemon.IntegrationTests.Support;

/// <summary>What one client saw while the server stopped under it.</summary>
/// <param name="Sent">Requests whose whole line was written (each must get exactly one reply).</param>
/// <param name="Answered">Replies that were responses.</param>
/// <param name="ShuttingDown">Replies that were <c>SHUTTING_DOWN</c> errors.</param>
/// <param name="OtherErrors">Other error replies (must be none: pings do not fail).</param>
/// <param name="Lost">Sent requests that got no reply at all (must be none).</param>
/// <param name="Duplicates">Requests answered more than once (must be none).</param>
/// <param name="Strangers">Replies for ids never sent (must be none).</param>
/// <param name="EndedWithEof">The connection ended with an orderly end of stream.</param>
/// <param name="ReadError">The error that ended reading instead, if any (for example a reset).</param>
/// <param name="LateWriteFailed">A request written after the end of stream failed at once.</param>
public sealed record ShutdownRound(
    int Sent, int Answered, int ShuttingDown, int OtherErrors, int Lost, int Duplicates, int Strangers, bool EndedWithEof, string? ReadError, bool LateWriteFailed)
{
    /// <summary>Whether the round kept the contract: every sent line answered once, then EOF, then writes refused.</summary>
    public bool KeptContract => Lost == 0 && Duplicates == 0 && Strangers == 0 && OtherErrors == 0 && EndedWithEof && ReadError is null && LateWriteFailed;
}

/// <summary>
/// A raw-socket client that keeps <c>window</c> pings in flight on one connection, starts the server's stop after some
/// replies, keeps sending while the server still accepts writes, and records exactly which request lines were written
/// and what came back for each. This is the issue's setup: "one connection keeps 32 pings in flight while the server stops".
/// </summary>
public static class ShutdownPipeline
{
    /// <summary>Runs one round against the server at <paramref name="socketPath"/>; <paramref name="stop"/> starts its stop.</summary>
    public static async Task<ShutdownRound> RunAsync(string socketPath, Func<Task> stop, int window = 32, int repliesBeforeStop = 48, TimeSpan? deadline = null)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        using var limit = new CancellationTokenSource(deadline ?? TimeSpan.FromSeconds(60));
        var replies = new ConcurrentDictionary<long, int>();
        var slots = new SemaphoreSlim(window, window);
        using var readerEnded = new CancellationTokenSource();
        int answered = 0, shuttingDown = 0, otherErrors = 0, strangers = 0;
        Task? stopping = null;

        async Task SendLoopAsync()
        {
            long next = 0;
            while (true)
            {
                try
                {
                    await slots.WaitAsync(readerEnded.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                var id = ++next;
                var line = Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\",\"type\":\"request\",\"payload\":{{\"type\":\"ping\"}}}}\n");
                replies[id] = 0;
                try
                {
                    var sent = 0;
                    while (sent < line.Length)
                        sent += await socket.SendAsync(line.AsMemory(sent), SocketFlags.None);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // Refused (the server stopped reading): this line was not sent, and nothing after it will be.
                    replies.TryRemove(id, out _);
                    return;
                }
            }
        }

        async Task<(bool Eof, string? Error)> ReadLoopAsync()
        {
            var buffer = new byte[64 * 1024];
            var pending = new List<byte>();
            var total = 0;
            try
            {
                while (true)
                {
                    var read = await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token);
                    if (read == 0)
                        return (true, null);
                    pending.AddRange(buffer.AsSpan(0, read));
                    int newline;
                    while ((newline = pending.IndexOf((byte)'\n')) >= 0)
                    {
                        var reply = Envelope.ParseReply(pending.GetRange(0, newline).ToArray());
                        pending.RemoveRange(0, newline + 1);
                        if (reply?.Id is null || !long.TryParse(reply.Id, out var id) || !replies.ContainsKey(id))
                        {
                            strangers++;
                            continue;
                        }

                        replies.AddOrUpdate(id, 1, (_, n) => n + 1);
                        if (!reply.IsError)
                            answered++;
                        else if (reply.ErrorCode == IpcErrorCodes.ShuttingDown)
                            shuttingDown++;
                        else
                            otherErrors++;
                        slots.Release();
                        if (++total == repliesBeforeStop)
                            stopping = Task.Run(stop);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return (false, "no end of stream before the deadline");
            }
            catch (SocketException e)
            {
                return (false, e.SocketErrorCode.ToString());
            }
            finally
            {
                readerEnded.Cancel();
            }
        }

        var sender = Task.Run(SendLoopAsync);
        var (eof, error) = await ReadLoopAsync();
        await sender;
        if (stopping is not null)
            await stopping;

        // After the end of stream a request must fail at once (a refused write), never vanish.
        var lateWriteFailed = false;
        try
        {
            socket.Send("{\"id\":\"late\",\"type\":\"request\",\"payload\":{\"type\":\"ping\"}}\n"u8);
            socket.Send("{\"id\":\"late2\",\"type\":\"request\",\"payload\":{\"type\":\"ping\"}}\n"u8);
        }
        catch (SocketException)
        {
            lateWriteFailed = true;
        }

        var lost = replies.Count(r => r.Value == 0);
        var duplicates = replies.Count(r => r.Value > 1);
        return new ShutdownRound(replies.Count, answered, shuttingDown, otherErrors, lost, duplicates, strangers, eof, error, lateWriteFailed);
    }
}
