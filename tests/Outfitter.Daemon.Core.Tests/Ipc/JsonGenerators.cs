using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;

namespace Outfitter.Daemon.Core.Tests.Ipc;

/// <summary>
/// FsCheck generators for the IPC tests: text that is hard to escape, small JSON values as text, and line-like byte soup.
/// Text is always well-formed UTF-16 (surrogates only in pairs), because a lone surrogate has no UTF-8 form to round-trip.
/// </summary>
internal static class JsonGenerators
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Text biased towards what JSON must escape, multi-byte characters, and envelope-looking fragments.</summary>
    public static Gen<string> Text
    {
        get
        {
            var piece = Gen.Frequency(
                (6, Gen.Elements("a", "Z", "7", " ", "-", "_", ".")),
                (3, Gen.Elements("\"", "\\", "/", "\n", "\r", "\t", "\b", "\f", "\u0000", "\u0001", "\u001f", "\u007f")),
                (3, Gen.Elements("é", "ß", "✓", "漢", "😀", "\u2028", "\u2029", "\ufeff")),
                (1, Gen.Elements("<", ">", "&", "'", "`")),
                (1, Gen.Elements("id", "type", "\",\"type\":\"response\",\"x\":\"", "\\u0069d", "null")));
            return Gen.Choose(0, 10).SelectMany(n => Gen.ArrayOf(piece, n)).Select(pieces => string.Concat(pieces));
        }
    }

    /// <summary>A JSON string literal for <paramref name="text"/>, escaped the strict or the relaxed way, or by hand.</summary>
    public static Gen<string> StringLiteral =>
        Gen.Frequency(
            (3, Text.Select(t => JsonSerializer.Serialize(t))),
            (3, Text.Select(t => JsonSerializer.Serialize(t, Relaxed))),
            (1, Gen.Elements("\"\"", "\"\\u0041\\n\\/\"", "\"\\ud83d\\ude00\"", "\"\\\"\\\\\"", "\"é\"")));

    /// <summary>Numbers in the forms JSON allows, including ones no double holds exactly.</summary>
    public static Gen<string> Number =>
        Gen.Frequency(
            (3, Gen.Choose(-100_000, 100_000).Select(i => i.ToString(CultureInfo.InvariantCulture))),
            (1, Gen.Elements("0", "-0", "3.25", "1e10", "-2.5E-3", "1E+2", "0.000001", "123456789012345678901234567890")));

    /// <summary>A small JSON value, as compact or lightly spaced text with no surrounding whitespace.</summary>
    public static Gen<string> Value => Gen.Choose(0, 3).SelectMany(ValueOfDepth);

    /// <summary>An object's member names: the envelope's own names (nested, they must not confuse the parser) and others.</summary>
    public static Gen<string> MemberName =>
        Gen.Frequency(
            (2, Gen.Elements("\"id\"", "\"type\"", "\"payload\"", "\"message\"", "\"code\"", "\"\\u0069d\"")),
            (3, StringLiteral));

    /// <summary>A JSON value nested at most <paramref name="depth"/> levels.</summary>
    public static Gen<string> ValueOfDepth(int depth)
    {
        var scalar = Gen.Frequency(
            (2, Number),
            (3, StringLiteral),
            (1, Gen.Elements("true", "false", "null")));
        if (depth <= 0)
            return scalar;
        var separator = Gen.Elements(",", ", ", " ,\t");
        var array =
            from items in Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(ValueOfDepth(depth - 1), n))
            from sep in separator
            select "[" + string.Join(sep, items) + "]";
        var member =
            from name in MemberName
            from colon in Gen.Elements(":", " : ")
            from value in ValueOfDepth(depth - 1)
            select name + colon + value;
        var obj =
            from members in Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(member, n))
            from sep in separator
            select "{" + string.Join(sep, members) + "}";
        return Gen.Frequency((2, scalar), (1, array), (1, obj));
    }

    /// <summary>
    /// Bytes that look like request lines: well-formed ones, cut short, with a byte replaced, or token soup. Replacement
    /// bytes are never hex letters, so no mutation turns an escape into a surrogate one.
    /// </summary>
    public static Gen<byte[]> LineLikeBytes
    {
        get
        {
            var request =
                from id in Gen.Frequency((3, StringLiteral), (1, Number), (1, Gen.Elements("null", "{}", "[1]")))
                from type in Gen.Elements("\"request\"", "\"response\"", "\"error\"", "5", "null", "\"bogus\"")
                from payload in Value
                from idName in Gen.Elements("\"id\"", "\"\\u0069d\"")
                select Encoding.UTF8.GetBytes("{" + idName + ":" + id + ",\"type\":" + type + ",\"payload\":" + payload + "}");
            var truncated =
                from bytes in request
                from cut in Gen.Choose(0, bytes.Length)
                select bytes[..cut];
            var mutated =
                from bytes in request
                from at in Gen.Choose(0, bytes.Length - 1)
                from replacement in Gen.Elements((byte)'"', (byte)'{', (byte)'}', (byte)'[', (byte)',', (byte)':', (byte)' ', (byte)'\\', (byte)'x', (byte)'0', (byte)0xFF, (byte)0xC3, (byte)0x80)
                select Replace(bytes, at, replacement);
            var token = Gen.Elements("{", "}", "[", "]", ":", ",", " ", "\"", "\\", "\r", "\"id\"", "\"type\"", "\"request\"", "\"payload\"", "1", "-2.5", "null", "true", "\"é\"", "😀")
                .Select(Encoding.UTF8.GetBytes);
            var soup = Gen.Choose(0, 20).SelectMany(n => Gen.ArrayOf(token, n)).Select(ts => ts.SelectMany(t => t).ToArray());
            return Gen.Frequency(
                (2, request),
                (2, truncated),
                (2, mutated),
                (2, soup),
                (2, ArbMap.Default.GeneratorFor<byte[]>()));
        }
    }

    private static byte[] Replace(byte[] bytes, int at, byte replacement)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] = replacement;
        return copy;
    }
}
