namespace Outfitter.Daemon.Core.Ipc;

/// <summary>
/// W3C Trace Context (<see href="https://www.w3.org/TR/trace-context/"/>) as it travels in a request envelope: the
/// optional top-level members <c>"traceparent"</c> and <c>"tracestate"</c>, which the TypeScript peer ignores (it reads
/// only <c>id</c>, <c>type</c> and <c>payload</c>). Validation is pure and allocation-free; anything that is not a
/// well-formed header is treated as absent, never as an error of the request.
/// </summary>
internal static class TraceContext
{
    /// <summary>The member carrying <c>version-traceid-parentid-flags</c>.</summary>
    public static ReadOnlySpan<byte> TraceParentName => "traceparent"u8;

    /// <summary>The member carrying vendor state (kept only next to a valid traceparent).</summary>
    public static ReadOnlySpan<byte> TraceStateName => "tracestate"u8;

    /// <summary>The length of a version-00 traceparent: <c>00-</c> + 32 + <c>-</c> + 16 + <c>-</c> + 2.</summary>
    public const int TraceParentLength = 55;

    /// <summary>The longest tracestate we carry (the W3C minimum a platform must propagate); a longer one is dropped.</summary>
    public const int MaxTraceStateLength = 512;

    /// <summary>
    /// True when <paramref name="value"/> is a traceparent we can continue: two lowercase hex digits of version (not
    /// <c>ff</c>), a 32-digit trace id and a 16-digit parent id that are not all zeros, and two digits of flags. Version
    /// <c>00</c> must be exactly 55 bytes; a later version may carry more after a further <c>-</c>, as the spec asks.
    /// </summary>
    public static bool IsValidTraceParent(ReadOnlySpan<byte> value)
    {
        if (value.Length < TraceParentLength)
            return false;
        if (!IsHex(value[..2]) || (value[0] == (byte)'f' && value[1] == (byte)'f'))
            return false;
        var isVersion00 = value[0] == (byte)'0' && value[1] == (byte)'0';
        if (isVersion00 ? value.Length != TraceParentLength : value.Length > TraceParentLength && value[TraceParentLength] != (byte)'-')
            return false;
        return value[2] == (byte)'-' && value[35] == (byte)'-' && value[52] == (byte)'-'
            && IsHex(value[3..35]) && !AllZeros(value[3..35])
            && IsHex(value[36..52]) && !AllZeros(value[36..52])
            && IsHex(value[53..55]);
    }

    /// <summary>The trace id's 32 hex digits of a valid traceparent.</summary>
    public static ReadOnlySpan<byte> TraceId(ReadOnlySpan<byte> traceParent) => traceParent[3..35];

    /// <summary>The parent (span) id's 16 hex digits of a valid traceparent.</summary>
    public static ReadOnlySpan<byte> ParentId(ReadOnlySpan<byte> traceParent) => traceParent[36..52];

    /// <summary>True when the valid traceparent's <c>sampled</c> flag is set.</summary>
    public static bool IsSampled(ReadOnlySpan<byte> traceParent) => (HexValue(traceParent[54]) & 1) == 1;

    /// <summary>
    /// True when <paramref name="value"/> may be carried as tracestate: at most <see cref="MaxTraceStateLength"/> bytes of
    /// printable ASCII (the list's own syntax is the vendors' business; we pass it on unchanged).
    /// </summary>
    public static bool IsValidTraceState(ReadOnlySpan<byte> value)
    {
        if (value.Length > MaxTraceStateLength)
            return false;
        foreach (var b in value)
        {
            if (b is < 0x20 or > 0x7e)
                return false;
        }

        return true;
    }

    private static bool IsHex(ReadOnlySpan<byte> digits)
    {
        foreach (var b in digits)
        {
            if (b is not ((>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f')))
                return false;
        }

        return true;
    }

    private static bool AllZeros(ReadOnlySpan<byte> digits) => digits.IndexOfAnyExcept((byte)'0') < 0;

    private static int HexValue(byte digit) => digit <= (byte)'9' ? digit - '0' : digit - 'a' + 10;
}
