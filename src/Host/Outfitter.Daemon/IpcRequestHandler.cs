using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Outfitter.Daemon;

/// <summary>
/// The fast-path request handler: synchronous handlers write their result into <see cref="IpcRequest.Result"/> with no
/// allocation; asynchronous ones return <see cref="IpcResult.Pending"/>. A thrown exception becomes an error reply.
/// </summary>
public delegate IpcResult IpcRequestHandler(IpcRequest request);
