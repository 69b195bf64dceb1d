using System.Text.Json;
using System.Text.Json.Serialization;

namespace Outfitter.Daemon.Ipc;

/// <summary>Source-generated JSON metadata for the types the library itself serializes (trim- and AOT-safe).</summary>
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class IpcJsonContext : JsonSerializerContext
{
}
