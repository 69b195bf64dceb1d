using System.Buffers;
using System.Text;

namespace Outfitter.Daemon.Logging;

/// <summary>
/// Cuts bytes into lines at <c>\n</c>, dropping a <c>\r</c> before it, and decodes each as UTF-8 (invalid bytes become
/// U+FFFD). Bytes after the last newline are kept until more arrive (a line cut across reads is decoded whole) or
/// <see cref="Flush"/>. A kept line that reaches <paramref name="maxLineBytes"/> is handed out as it is, so a file
/// without newlines cannot grow the buffer without bound. Not thread-safe.
/// </summary>
internal sealed class LineSplitter(int maxLineBytes = int.MaxValue)
{
    private readonly ArrayBufferWriter<byte> _partial = new();

    /// <summary>Adds the complete lines in <paramref name="bytes"/> (with what was kept before) to <paramref name="lines"/>.</summary>
    public void Feed(ReadOnlySpan<byte> bytes, List<string> lines)
    {
        while (bytes.IndexOf((byte)'\n') is var newline and >= 0)
        {
            if (_partial.WrittenCount > 0)
            {
                _partial.Write(bytes[..newline]);
                lines.Add(Decode(_partial.WrittenSpan));
                _partial.Clear();
            }
            else
            {
                lines.Add(Decode(bytes[..newline]));
            }

            bytes = bytes[(newline + 1)..];
        }

        while (_partial.WrittenCount + bytes.Length >= maxLineBytes)
        {
            var take = maxLineBytes - _partial.WrittenCount;
            _partial.Write(bytes[..take]);
            lines.Add(Decode(_partial.WrittenSpan));
            _partial.Clear();
            bytes = bytes[take..];
        }

        _partial.Write(bytes);
    }

    /// <summary>Hands out the kept bytes, if any, as a last line (without its newline).</summary>
    public void Flush(List<string> lines)
    {
        if (_partial.WrittenCount == 0)
            return;
        lines.Add(Decode(_partial.WrittenSpan));
        _partial.Clear();
    }

    /// <summary>Forgets the kept bytes.</summary>
    public void Clear() => _partial.Clear();

    private static string Decode(ReadOnlySpan<byte> line) =>
        Encoding.UTF8.GetString(line.Length > 0 && line[^1] == (byte)'\r' ? line[..^1] : line);
}
