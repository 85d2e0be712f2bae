using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace EchoAtTime.Testing;

/// <summary>
/// A command as a client sent it, decoded so a fault test can pick its victim by what the command
/// does (an INCR, a script on some key) rather than by its position in a stream it does not control.
/// </summary>
/// <param name="Name">The command name, upper-cased: clients may send any case.</param>
/// <param name="Args">The arguments after the name, as UTF-8 text (binary values come out mangled, which predicates do
/// not care about).</param>
public sealed record RespCommand(string Name, IReadOnlyList<string> Args)
{
    // These share one layout: script/sha/function, numkeys, keys..., args...
    private static readonly HashSet<string> ScriptCommands = ["EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"];

    /// <summary>The keys a script or function call declares; empty for every other command.</summary>
    public IReadOnlyList<string> ScriptKeys =>
        ScriptCommands.Contains(Name)
        && Args.Count >= 2
        && int.TryParse(Args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var keys)
            ? Args.Skip(2).Take(keys).ToArray()
            : [];

    /// <summary>
    /// Whether this runs a script on a key containing <paramref name="keySubstring"/>. EVAL and EVALSHA
    /// match alike: StackExchange.Redis chooses between them by its own script cache, which a test
    /// should not have to predict.
    /// </summary>
    public bool IsScriptOn(string keySubstring) =>
        ScriptKeys.Any(key => key.Contains(keySubstring, StringComparison.Ordinal));

    // The record's generated form prints the list's type, which says nothing in an assertion message.
    public override string ToString() => Args.Count == 0 ? Name : $"{Name} {string.Join(' ', Args)}";
}

/// <summary>
/// Cuts the client→server byte stream at command boundaries, so a fault lands exactly before or after
/// one command. StackExchange.Redis only sends RESP arrays of bulk strings; inline commands (what
/// redis-cli or telnet send) are split on whitespace, without quoting rules.
/// </summary>
internal static class RespCommandReader
{
    // Redis refuses longer inline commands too: past this, a missing newline means garbage, not a slow client.
    private const int MaxInlineLength = 64 * 1024;

    /// <returns>False while <paramref name="data"/> holds no complete command yet.</returns>
    public static bool TryRead(ReadOnlySpan<byte> data, [NotNullWhen(true)] out RespCommand? command, out int consumed)
    {
        command = null;
        consumed = 0;
        if (data.IsEmpty)
        {
            return false;
        }

        return data[0] == (byte)'*' ? TryReadArray(data, out command, out consumed) : TryReadInline(data, out command, out consumed);
    }

    private static bool TryReadArray(ReadOnlySpan<byte> data, [NotNullWhen(true)] out RespCommand? command, out int consumed)
    {
        command = null;
        consumed = 0;
        if (!RespLine.TryReadInteger(data, 1, out var count, out var position))
        {
            return false;
        }

        var parts = new List<string>((int)Math.Clamp(count, 0, 64));
        for (var i = 0L; i < count; i++)
        {
            if (position >= data.Length)
            {
                return false;
            }

            if (data[position] != (byte)'$')
            {
                throw new InvalidDataException($"A client command element starts with 0x{data[position]:X2}, not a bulk string.");
            }

            if (!RespLine.TryReadInteger(data, position + 1, out var length, out var start))
            {
                return false;
            }

            if (length < 0)
            {
                throw new InvalidDataException("A client command holds a null bulk string.");
            }

            if (data.Length - start < length + 2)
            {
                return false;
            }

            parts.Add(Encoding.UTF8.GetString(data.Slice(start, (int)length)));
            position = start + (int)length + 2;
        }

        command = Create(parts);
        consumed = position;
        return true;
    }

    private static bool TryReadInline(ReadOnlySpan<byte> data, [NotNullWhen(true)] out RespCommand? command, out int consumed)
    {
        command = null;
        consumed = 0;
        var newline = data.IndexOf((byte)'\n');
        if (newline < 0)
        {
            return data.Length <= MaxInlineLength
                ? false
                : throw new InvalidDataException($"An inline command is longer than {MaxInlineLength} bytes.");
        }

        var line = Encoding.UTF8.GetString(data[..newline].TrimEnd((byte)'\r'));
        command = Create(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
        consumed = newline + 1;
        return true;
    }

    // An empty array or blank line is a command with no name: forwarded like any other, Redis ignores it.
    private static RespCommand Create(IReadOnlyList<string> parts) =>
        parts.Count == 0 ? new RespCommand("", []) : new RespCommand(parts[0].ToUpperInvariant(), parts.Skip(1).ToArray());
}

/// <summary>
/// Cuts the server→client byte stream at reply boundaries (RESP2 and RESP3), so the proxy can take
/// the answer to its own probe out of the stream without the client ever seeing it.
/// </summary>
internal static class RespReplyFramer
{
    // Redis nests replies a few levels deep at most (COMMAND DOCS); deeper means a desynchronised stream.
    private const int MaxDepth = 64;

    /// <returns>The length of the first complete reply in <paramref name="data"/>; 0 while it is still
    /// arriving.</returns>
    public static int FrameLength(ReadOnlySpan<byte> data)
    {
        var position = 0;
        return TrySkip(data, ref position, 0) ? position : 0;
    }

    private static bool TrySkip(ReadOnlySpan<byte> data, ref int position, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidDataException($"A reply is nested deeper than {MaxDepth} levels.");
        }

        if (position >= data.Length)
        {
            return false;
        }

        var type = (char)data[position];
        var lineEnd = data[(position + 1)..].IndexOf("\r\n"u8);
        if (lineEnd < 0)
        {
            return false;
        }

        var header = data.Slice(position + 1, lineEnd);
        var next = position + 1 + lineEnd + 2;
        long children;
        switch (type)
        {
            case '+' or '-' or ':' or '_' or ',' or '#' or '(':
                position = next;
                return true;
            case '$' or '!' or '=':
                var length = RespLine.ParseInteger(header);
                if (length >= 0 && data.Length - next < length + 2)
                {
                    return false;
                }

                position = length < 0 ? next : next + (int)length + 2;
                return true;
            case '*' or '~' or '>':
                children = RespLine.ParseInteger(header);
                break;
            case '%' or '|':
                children = RespLine.ParseInteger(header) * 2;
                break;
            default:
                throw new InvalidDataException($"A reply starts with 0x{(int)type:X2}, which is no RESP type.");
        }

        position = next;
        for (var i = 0L; i < children; i++)
        {
            if (!TrySkip(data, ref position, depth + 1))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>The length and count headers both directions of RESP share.</summary>
internal static class RespLine
{
    // No length or count header is longer; a longer run without CRLF means a desynchronised stream.
    private const int MaxHeaderLength = 32;

    /// <returns>False while the CRLF-terminated integer starting at <paramref name="from"/> is still
    /// arriving.</returns>
    public static bool TryReadInteger(ReadOnlySpan<byte> data, int from, out long value, out int next)
    {
        value = 0;
        next = 0;
        var rest = data[Math.Min(from, data.Length)..];
        var lineEnd = rest.IndexOf("\r\n"u8);
        if (lineEnd < 0)
        {
            return rest.Length <= MaxHeaderLength
                ? false
                : throw new InvalidDataException("A RESP length header has no end.");
        }

        value = ParseInteger(rest[..lineEnd]);
        next = from + lineEnd + 2;
        return true;
    }

    public static long ParseInteger(ReadOnlySpan<byte> digits) =>
        Utf8Parser.TryParse(digits, out long value, out var used) && used == digits.Length
            ? value
            : throw new InvalidDataException($"'{Encoding.ASCII.GetString(digits)}' is not a RESP length.");
}
