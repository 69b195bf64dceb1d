using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Outfitter.Daemon.Core.Ipc;

BenchmarkSwitcher.FromAssembly(typeof(FramingBenchmarks).Assembly).Run(args);

/// <summary>The pure per-request work of the server: framing a batch, parsing an envelope, writing a reply.</summary>
[MemoryDiagnoser]
public class FramingBenchmarks
{
    private byte[] _batch = [];
    private byte[] _line = [];
    private readonly ArrayBufferWriter<byte> _output = new(1 << 20);

    /// <summary>Payload bytes of each echo request.</summary>
    [Params(64, 4096)]
    public int PayloadBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var data = new string('x', PayloadBytes);
        _line = Encoding.UTF8.GetBytes($"{{\"id\":\"12345\",\"type\":\"request\",\"payload\":{{\"type\":\"echo\",\"data\":\"{data}\"}}}}");
        var batch = new List<byte>();
        for (var i = 0; i < 32; i++)
            batch.AddRange(_line.Append((byte)'\n'));
        _batch = [.. batch];
    }

    /// <summary>Cut a 32-request batch into lines.</summary>
    [Benchmark]
    public int FrameBatchOf32()
    {
        var count = 0;
        var start = 0;
        while (true)
        {
            var step = LineFraming.Next(_batch.AsSpan(start), 0, LineFraming.DefaultMaxLineBytes);
            if (step.Scan != FrameScan.Line)
                return count;
            count++;
            start += step.Consumed;
        }
    }

    /// <summary>Parse one request envelope.</summary>
    [Benchmark]
    public int ParseRequest() => Envelope.ParseRequest(_line).Payload.Length;

    /// <summary>Parse, route on the payload type, read the echo data, write the response: one request end to end.</summary>
    [Benchmark]
    public int ParseRouteAndReply()
    {
        _output.ResetWrittenCount();
        var envelope = Envelope.ParseRequest(_line);
        Span<byte> type = stackalloc byte[16];
        PayloadFields.TryGetString(envelope.Payload, "type"u8, type);
        PayloadFields.TryGetRaw(envelope.Payload, "data"u8, out var data);
        Envelope.WriteResponse(_output, envelope.Id, data);
        return _output.WrittenCount;
    }
}
