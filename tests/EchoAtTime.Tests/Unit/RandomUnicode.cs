using System.Text;

namespace EchoAtTime.Tests.Unit;

/// <summary>
/// Random messages mixing what a console line must carry raw (ASCII, accents, CJK, emoji, any rune
/// beyond the BMP) with what it must escape (controls, format and tag characters, separators, lone
/// surrogates) and with what looks like the grammar itself (backslashes, quotes, the redelivery marker).
/// </summary>
internal static class RandomUnicode
{
    private static readonly string[] Lookalikes =
    [
        " (redelivered id=1795428000000-3)", "(redelivered", "\\u0028redelivered",
        "\\", "\\\\", "\\n", "\"", "\\u202e", "(", ")",
    ];

    private static readonly int[] Escaped =
    [
        0x00, 0x07, 0x09, 0x0a, 0x0d, 0x1b, 0x7f, 0x85, 0x9b, 0xad, 0x061c, 0x180e, 0x200b, 0x200d, 0x200e,
        0x2028, 0x2029,
        0x202e, 0x2066, 0x206a, 0x206f, 0xfeff, 0xfff9, 0xfffb, 0x110bd, 0x1d173, 0xe0001, 0xe0020, 0xe007f, 0xe0000,
    ];

    public static string Message(Random rng, int maxLength)
    {
        var length = rng.Next(1, maxLength + 1);
        var sb = new StringBuilder(length + 40);
        while (sb.Length < length)
        {
            var kind = rng.Next(100);
            _ = kind switch
            {
                < 40 => sb.Append((char)rng.Next(0x20, 0x7f)),
                < 50 => sb.Append(char.ConvertFromUtf32(rng.Next(0x1f300, 0x1fb00))),
                < 62 => sb.Append(AnyBmp(rng)),
                < 74 => sb.Append(char.ConvertFromUtf32(rng.Next(0x10000, 0x110000))),
                < 86 => sb.Append(char.ConvertFromUtf32(Escaped[rng.Next(Escaped.Length)])),
                < 93 => sb.Append(Lookalikes[rng.Next(Lookalikes.Length)]),
                _ => sb.Append((char)rng.Next(0xd800, 0xe000)),
            };
        }

        return sb.ToString();
    }

    private static char AnyBmp(Random rng)
    {
        var c = rng.Next(0x80, 0x10000 - 0x800);
        return (char)(c < 0xd800 ? c : c + 0x800);
    }
}
