using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Outfitter.Daemon.Core.Ipc;

/// <summary>
/// The <c>hello</c> handshake of protocol 2 (ADR 0016), pure: the request a client sends, how a server recognises it,
/// the answer a server writes, and how a client reads whatever came back. The request is an ordinary request whose
/// payload is <c>{"type":"hello","protocol":2,"client":"name/version"}</c>, so a reference server hands it to its handler
/// like any message; any answer that is not a protocol-2 hello answer (an error, another value) means protocol 1.
/// </summary>
internal static class Handshake
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes the hello payload <c>{"type":"hello","protocol":2,"client":"…"}</c>.</summary>
    public static void WriteRequest(IBufferWriter<byte> output, string client)
    {
        using var json = new Utf8JsonWriter(output, WriterOptions);
        json.WriteStartObject();
        json.WriteString("type", ProtocolExtensions.HelloType);
        json.WriteNumber("protocol", ProtocolExtensions.Protocol);
        json.WriteString("client", client);
        json.WriteEndObject();
    }

    /// <summary>
    /// True when a request payload is a handshake: <c>"type":"hello"</c> with a numeric <c>protocol</c>. A user's own
    /// <c>hello</c> message without a protocol number is left to the user's handler. Cheap for every other payload (one
    /// vectorised search for the word before any parsing).
    /// </summary>
    public static bool IsHello(ReadOnlySpan<byte> payload)
    {
        if (payload.IndexOf("\"hello\""u8) < 0)
            return false;
        Span<byte> type = stackalloc byte[8];
        return PayloadFields.TryGetString(payload, "type"u8, type) == 5
            && type[..5].SequenceEqual("hello"u8)
            && PayloadFields.TryGetRaw(payload, "protocol"u8, out var protocol)
            && protocol.Length > 0 && (protocol[0] is (byte)'-' || char.IsAsciiDigit((char)protocol[0]));
    }

    /// <summary>Writes a server's answer: <c>{"protocol":2,"name":…,"version":…,"build":…,"pid":…,"startedAt":…,"capabilities":[…]}</c>.</summary>
    public static void WriteResponse(IBufferWriter<byte> output, ServerHello hello)
    {
        using var json = new Utf8JsonWriter(output, WriterOptions);
        json.WriteStartObject();
        json.WriteNumber("protocol", hello.Protocol);
        WriteOptional(json, "name", hello.Name);
        WriteOptional(json, "version", hello.Version);
        WriteOptional(json, "build", hello.Build);
        if (hello.Pid is { } pid)
            json.WriteNumber("pid", pid);
        if (hello.StartedAt is { } started)
            json.WriteString("startedAt", started.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        json.WriteStartArray("capabilities");
        foreach (var capability in hello.Capabilities)
            json.WriteStringValue(capability);
        json.WriteEndArray();
        WriteOptional(json, "optionsHash", hello.OptionsHash);
        json.WriteEndObject();
    }

    /// <summary>
    /// Reads a reply to hello: protocol 2 (or later) when <paramref name="responsePayload"/> (a response's payload; null
    /// for an error reply or none) is an object with a numeric <c>protocol</c> of at least 2; protocol 1 for anything
    /// else (an error reply, another value, a malformed answer). Members of the wrong type are ignored, never an error.
    /// </summary>
    public static ServerHello Interpret(ReadOnlyMemory<byte>? responsePayload)
    {
        if (responsePayload is not { } payload)
            return ServerHello.ProtocolOne;
        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("protocol", out var protocol)
                || protocol.ValueKind != JsonValueKind.Number
                || !protocol.TryGetInt32(out var number)
                || number < 2)
                return ServerHello.ProtocolOne;
            var capabilities = root.TryGetProperty("capabilities", out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.String).Select(c => c.GetString()!).ToArray()
                : [];
            return new ServerHello(
                number,
                Text(root, "name"),
                Text(root, "version"),
                Text(root, "build"),
                root.TryGetProperty("pid", out var pid) && pid.ValueKind == JsonValueKind.Number && pid.TryGetInt32(out var p) ? p : null,
                Text(root, "startedAt") is { } at && DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var started) ? started : null,
                Array.AsReadOnly(capabilities),
                Text(root, "optionsHash"));
        }
        catch (JsonException)
        {
            return ServerHello.ProtocolOne;
        }
        catch (InvalidOperationException)
        {
            return ServerHello.ProtocolOne;
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
            json.WriteString(name, value);
    }
}
