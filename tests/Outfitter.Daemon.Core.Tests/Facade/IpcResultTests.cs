using System.Buffers;
using System.Text.Json;
using LanguageExt;
using Outfitter.Daemon.Core.Ipc;
using Outfitter.Daemon.Testing;
using Xunit;
using static LanguageExt.Prelude;

namespace Outfitter.Daemon.Core.Tests.Facade;

/// <summary><c>default(IpcResult)</c> is not a success: the server answers it with an error and goes on serving.</summary>
public sealed class IpcResultTests
{
    private const string Socket = "/run/test/svc.sock";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly FakeMachine _machine = new();

    private IpcClient NewClient() =>
        new(Socket, new IpcClientOptions(), _machine.Transport, new DaemonLockService(_machine.Process, _machine.Process, _machine.Process));

    private static Task<Result<JsonElement, DaemonConnectionError>> Ask(IpcClient client, string type) =>
        client.SendAsync(JsonDocument.Parse($$"""{"type":"{{type}}"}""").RootElement).WaitAsync(Deadline);

    [Fact]
    public async Task A_handler_returning_default_gets_an_internal_error_reply_and_the_server_keeps_serving()
    {
        await using var server = new IpcServer(Socket, new IpcServerOptions(), _machine.Transport, _machine.Process, _machine.Runtime, _machine.Time);
        server.OnRequest(new IpcRouter()
            .MapBuiltins()
            .Map("forgetful", request =>
            {
                request.Result.Write("\"half-written\""u8); // partial output must not leak into the reply
                return default;
            })
            .Handle);
        Assert.True((await server.ListenAsync()).IsSuccess);
        await using var first = NewClient();
        Assert.True((await first.ConnectAsync()).IsSuccess);

        var error = (await Ask(first, "forgetful")).Match(r => throw new Xunit.Sdk.XunitException($"Expected an error, got {r}"), e => e);

        var remote = Assert.IsType<DaemonConnectionError.RemoteError>(error);
        Assert.Equal(Some(IpcErrorCodes.InternalError), remote.Code);
        Assert.Contains("default(IpcResult)", remote.RemoteMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("half-written", remote.RemoteMessage, StringComparison.Ordinal);

        // The same connection and another client are still served.
        Assert.True((await Ask(first, "ping")).IsSuccess);
        await using var second = NewClient();
        Assert.True((await second.ConnectAsync()).IsSuccess);
        Assert.True((await Ask(second, "ping")).IsSuccess);
        Assert.True(server.IsListening);
    }

    [Fact]
    public void The_default_result_is_none_of_the_named_results()
    {
        Assert.NotEqual(IpcResult.Written.Kind, default(IpcResult).Kind);
        Assert.NotEqual(IpcResult.Error("x").Kind, default(IpcResult).Kind);
        Assert.NotEqual(IpcResult.Pending(Task.FromResult(IpcReply.FromJson("1"u8.ToArray()))).Kind, default(IpcResult).Kind);
        Assert.Equal(IpcResultKind.Unset, default(IpcResult).Kind);
    }
}
