using System.Buffers;
using System.Globalization;
using System.Text;

namespace EchoAtTime.Tests.Api;

/// <summary>One generated POST: where, how, what, and whether it is certainly valid (so must get 202).</summary>
internal sealed record FuzzRequest(
    int Number,
    string Kind,
    string Path,
    string? ContentType,
    byte[] Body,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    bool Chunked,
    bool ExpectAccepted)
{
    public bool IsBatch => Path.EndsWith("/batch", StringComparison.Ordinal);

    public override string ToString()
    {
        var preview = Encoding.Latin1.GetString(Body, 0, Math.Min(Body.Length, 400));
        var sb = new StringBuilder();
        foreach (var c in preview)
        {
            sb.Append(c is < ' ' or > '~' ? $"\\x{(int)c:x2}" : c.ToString());
        }

        var headers = string.Join(", ", Headers.Select(h => $"{h.Key}: {h.Value}"));
        return $"#{Number} {Kind} POST {Path} [{ContentType ?? "no Content-Type"}, {Body.Length} bytes{(Chunked ? ", chunked" : "")}]"
               + (headers.Length > 0 ? $" [{headers}]" : "") + (ExpectAccepted ? " (certainly valid)" : "")
               + $" body: {sb}{(Body.Length > 400 ? "…" : "")}";
    }
}

/// <summary>
/// Seeded generator of hostile POST bodies: random bytes, random JSON values (nested, deep, huge
/// numbers, long and odd strings), mutations of valid bodies, oversized bodies, and "near-valid"
/// objects whose time, message and id are drawn from valid and invalid choices. A request built
/// only from valid choices is marked <see cref="FuzzRequest.ExpectAccepted"/>.
/// </summary>
internal sealed class RandomRequests(Random rng, long nowMs, string keyPrefix)
{
    public const string Single = "/echoAtTime";
    public const string Batch = "/echoAtTime/batch";
    private const int MaxBodyBytes = 1024 * 1024;
    private const long MinuteMs = 60_000;
    private const long DayMs = 24 * 60 * MinuteMs;
    private const int KeyPool = 24;

    private static readonly string[] JsonTypes =
    [
        "application/json", "application/json", "application/json", "application/json; charset=utf-8",
        "Application/JSON", "application/problem+json", "application/vnd.echo+json; v=1",
    ];

    private static readonly string?[] OtherTypes =
    [
        null, "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=b",
        "text/json", ";;", "application/json; charset=\"", "*/*", "application/jsonx", "json", "application/octet-stream",
    ];

    private static readonly string[] MutationTokens =
    [
        "{", "}", "[", "]", ",", ":", "\"", "\\", "\\ud800", "\\udfff", "null", "1e999", "NaN", "/*", "'", "\\u00", "-", "0", "true",
    ];

    private static readonly string[] OddTimes =
    [
        "1e30", "-0", "1.0", "1.5", "1E3", "9223372036854775807", "-9223372036854775808", "253402300800000", "-62135596800001",
        "\"0x10\"", "\"NaN\"", "\"Infinity\"", "\" 123\"", "\"123 \"", "\"+123\"", "\"\u0661\u0662\u0663\"", "\"\uFF11\uFF12\uFF13\"",
        "\"\\ud800\"", "\"2026\\udc00\"", "\"\"", "\"   \"", "\"tomorrow\"", "\"11/23/2026\"", "\"2026-11-24\"", "\"10:00\"",
        "\"99999999999999999999\"", "\"-99999999999999999999\"", "\"2024-02-30T10:00:00Z\"", "\"2026-11-24T10:00:00+99:00\"",
        "\"9999-12-31T23:59:59.9999999-01:00\"", "\"0001-01-01T00:00:00+01:00\"", "\"0000-01-01T00:00:00Z\"", "true", "{}", "[]",
        "\"2026-11-24T10:00\"", "\"2026-11-24T10:00:00.1234567891Z\"", "\"2026-11-24T10:00:00+0530\"", "\"2026-11-24T10:00:00+05\"",
    ];

    private int _budget;
    private bool _clean;

    public FuzzRequest Next(int number)
    {
        var batch = rng.NextDouble() < 0.4;
        var roll = rng.NextDouble();
        string kind;
        byte[] body;
        var known = false;
        if (roll < 0.08)
        {
            (kind, body) = ("bytes", RandomBytes());
        }
        else if (roll < 0.20)
        {
            (kind, body) = ("json-value", Build(w =>
            {
                if (Chance(0.2))
                {
                    DeepValue(w, rng.Next(12, 22));
                }
                else
                {
                    RandomValue(w, maxDepth: rng.Next(2, 22), budget: 60);
                }
            }));
        }
        else if (roll < 0.32)
        {
            (kind, body) = ("mutated", Mutate(batch ? Build(w => NearValidBatch(w, onlyValid: true)) : Build(w => NearValidItem(w, onlyValid: true))));
        }
        else if (roll < 0.33)
        {
            (kind, body) = ("oversize", Oversize(batch));
        }
        else if (batch && roll < 0.34)
        {
            kind = "big-batch";
            var count = rng.NextDouble() < 0.5 ? 1000 : 1001;
            body = Build(w =>
            {
                w.Raw("[");
                for (var i = 0; i < count; i++)
                {
                    w.Raw(i == 0 ? "" : ",").Raw("{\"time\":").Raw(ValidTime()).Raw(",\"message\":");
                    w.String(RandomText(1, 20));
                    w.Raw("}");
                }

                w.Raw("]");
            });
            known = count == 1000;
        }
        else
        {
            kind = "near-valid";
            var valid = false;
            body = Build(w => valid = batch ? NearValidBatch(w, onlyValid: false) : NearValidItem(w, onlyValid: false));
            known = valid;
        }

        var jsonType = rng.NextDouble() < 0.9;
        var contentType = jsonType ? Pick(JsonTypes) : Pick(OtherTypes);
        var headers = new List<KeyValuePair<string, string>>();
        if (rng.NextDouble() < (batch ? 0.03 : 0.12))
        {
            headers.Add(KeyValuePair.Create("Idempotency-Key", RandomHeaderKey()));
        }

        var chunked = kind == "oversize" ? rng.NextDouble() < 0.5 : rng.NextDouble() < 0.03;
        return new FuzzRequest(number, kind, batch ? Batch : Single, contentType, body, headers, chunked,
            known && jsonType && headers.Count == 0);
    }

    private static byte[] Build(Action<JsonWriter> write)
    {
        var writer = new JsonWriter();
        write(writer);
        return writer.ToArray();
    }

    private T Pick<T>(T[] items) => items[rng.Next(items.Length)];

    private bool Chance(double p) => rng.NextDouble() < p;

    /// <summary>An array of 0..12 near-valid items (or, now and then, anything); valid when every item is.</summary>
    private bool NearValidBatch(JsonWriter w, bool onlyValid)
    {
        var count = onlyValid ? rng.Next(1, 6) : rng.Next(0, 13);
        var valid = count > 0;
        w.Raw("[");
        for (var i = 0; i < count; i++)
        {
            w.Raw(i == 0 ? "" : ",").Space(rng);
            if (!onlyValid && Chance(0.08))
            {
                RandomValue(w, maxDepth: 6, budget: 20);
                valid = false;
            }
            else
            {
                valid &= NearValidItem(w, onlyValid);
            }
        }

        w.Raw("]");
        return valid;
    }

    /// <summary>
    /// {time, message, id?, extras} in random order, each drawn valid or not; returns whether all were valid.
    /// </summary>
    private bool NearValidItem(JsonWriter w, bool onlyValid)
    {
        var properties = new List<(string Name, Action<JsonWriter> Value)>();
        var valid = true;

        var (time, timeValid) = onlyValid || Chance(0.6) ? (ValidTimeValue(), true) : OddTime();
        valid &= timeValid;
        if (time is not null)
        {
            properties.Add(("time", time));
        }

        var (message, messageValid) = onlyValid || Chance(0.65) ? (ValidMessage(), true) : OddMessage();
        valid &= messageValid;
        if (message is not null)
        {
            properties.Add(("message", message));
        }

        if (!onlyValid && Chance(0.2))
        {
            valid = false;
            properties.Add(("id", RandomId()));
        }

        if (Chance(0.15))
        {
            var (expireAfter, expireValid) = onlyValid || Chance(0.5) ? (ValidExpireAfter(), true) : OddExpireAfter();
            valid &= expireValid;
            properties.Add(("expireAfter", expireAfter));
        }

        if (Chance(0.15))
        {
            for (var i = rng.Next(1, 4); i > 0; i--)
            {
                var name = Chance(0.1) ? Pick<string>(["time", "message", "id", "expireAfter"]) : RandomText(0, 12);
                valid &= name is not ("time" or "message" or "id" or "expireAfter");
                properties.Add((name, x => RandomValue(x, maxDepth: 5, budget: 12, clean: true)));
            }
        }

        if (!onlyValid && Chance(0.03))
        {
            // Duplicate property names: which one counts is the server's business, validity unknown.
            properties.Add(properties.Count > 0 ? properties[rng.Next(properties.Count)] : ("time", x => x.Raw("0")));
            valid = false;
        }

        Shuffle(properties);
        w.Raw("{");
        for (var i = 0; i < properties.Count; i++)
        {
            w.Raw(i == 0 ? "" : ",").Space(rng).String(properties[i].Name, rng).Space(rng).Raw(":").Space(rng);
            properties[i].Value(w);
            w.Space(rng);
        }

        w.Raw("}");
        return valid;
    }

    private Action<JsonWriter> ValidTimeValue()
    {
        var time = ValidTime();
        return w => w.Raw(time);
    }

    /// <summary>
    /// A time the API must accept: within 30 minutes of now (past = now) or, rarely, up to 365 days ahead.
    /// </summary>
    private string ValidTime()
    {
        var dueMs = Chance(0.95)
            ? nowMs + rng.NextInt64(-30 * MinuteMs, 30 * MinuteMs)
            : nowMs + rng.NextInt64(0, 365 * DayMs);
        var due = DateTimeOffset.FromUnixTimeMilliseconds(dueMs);
        switch (rng.Next(3))
        {
            case 0:
                return dueMs.ToString(CultureInfo.InvariantCulture);
            case 1:
                return $"\"{dueMs.ToString(CultureInfo.InvariantCulture)}\"";
            default:
                var offset = Pick<TimeSpan>([TimeSpan.Zero, TimeSpan.FromHours(5.5), TimeSpan.FromHours(-8), TimeSpan.FromHours(14), TimeSpan.FromHours(-12)]);
                var local = due.ToOffset(offset).AddTicks(rng.Next(0, 10_000));
                var fraction = rng.Next(0, 8) switch
                {
                    0 => "",
                    var digits => "." + local.ToString("fffffff", CultureInfo.InvariantCulture)[..digits],
                };
                var separator = Chance(0.8) ? "T" : " ";
                var zone = offset == TimeSpan.Zero
                    ? Pick<string>(["Z", "z", "+00:00", ""])
                    : local.ToString("zzz", CultureInfo.InvariantCulture);
                return $"\"{local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}{separator}{local.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}{fraction}{zone}\"";
        }
    }

    /// <summary>A time of unknown validity (null = leave the property out).</summary>
    private (Action<JsonWriter>? Value, bool Valid) OddTime()
    {
        switch (rng.Next(8))
        {
            case 0:
                return (null, false);
            case 1:
                return (w => w.Raw("null"), false);
            case 2:
                var odd = Pick(OddTimes);
                return (w => w.Raw(odd), false);
            case 3:
                // Random calendar fields, many impossible.
                var text = string.Create(CultureInfo.InvariantCulture,
                    $"{rng.Next(0, 10000):D4}-{rng.Next(0, 20):D2}-{rng.Next(0, 40):D2}{Pick<string>(["T", " ", "t", "_"])}{rng.Next(0, 30):D2}:{rng.Next(0, 70):D2}:{rng.Next(0, 70):D2}{Pick<string>(["", "Z", "+01:00", "-23:59", "+24:00", "+0100", "+01"])}");
                return (w => w.String(text), false);
            case 4:
                var far = nowMs + rng.NextInt64(367 * DayMs, 3000 * DayMs);
                var farText = Chance(0.5)
                    ? far.ToString(CultureInfo.InvariantCulture)
                    : $"\"{DateTimeOffset.FromUnixTimeMilliseconds(far).ToString("O", CultureInfo.InvariantCulture)}\"";
                return (w => w.Raw(farText), false);
            case 5:
                var number = RandomNumber();
                return (w => w.Raw(number), false);
            case 6:
                var chars = RandomText(0, 30);
                return (w => w.String(chars, rng, oddEscapes: true), false);
            default:
                return (w => RandomValue(w, maxDepth: 4, budget: 8), false);
        }
    }

    private Action<JsonWriter> ValidMessage()
    {
        var text = Chance(0.02) ? new string('m', 4096) : RandomText(1, 80);
        return w => w.String(text, rng);
    }

    private (Action<JsonWriter>? Value, bool Valid) OddMessage() => rng.Next(9) switch
    {
        0 => (null, false),
        1 => (w => w.Raw("null"), false),
        2 => (w => w.Raw(RandomNumber()), false),
        3 => (w => w.Raw(Pick<string>(["true", "false", "{}", "[]", "[\"m\"]", "{\"text\":\"m\"}"])), false),
        4 => (w => w.Raw("\"\""), false),
        5 => (w => w.String(new string('x', 4096 + rng.Next(1, 40)), rng), false),
        6 => (w => w.Raw(Pick<string>(["\"\\ud800\"", "\"a\\udc00\"", "\"\\udbff\\udbff\"", "\"\\ude00\\ud83d\""])), false),
        7 => (w => w.String(RandomText(0, 60), rng, oddEscapes: true), false),
        _ => (w => RandomValue(w, maxDepth: 6, budget: 15), false),
    };

    private Action<JsonWriter> ValidExpireAfter() => rng.Next(4) switch
    {
        0 => w => w.Raw(rng.NextInt64(1, 366 * DayMs).ToString(CultureInfo.InvariantCulture)),
        1 => w => w.String(rng.NextInt64(1, 366 * DayMs).ToString(CultureInfo.InvariantCulture), rng),
        2 => w => w.String(Pick<string>(["PT1S", "PT30S", "PT0.5S", "P1D", "PT1H30M", "P365D"]), rng),
        _ => w => w.Raw("null"),
    };

    private (Action<JsonWriter> Value, bool Valid) OddExpireAfter() => rng.Next(4) switch
    {
        0 => (w => w.Raw(Pick<string>(["0", "-1", "1.5", "1e400", "true", "{}", "[]", "\"\"", "\"-PT1S\"", "\"P400D\"", "\"PT\"", "\"soon\"", "\"\\ud800\""])), false),
        1 => (w => w.String(RandomText(0, 20), rng, oddEscapes: true), false),
        2 => (w => w.Raw(RandomNumber()), false),
        _ => (w => RandomValue(w, maxDepth: 3, budget: 6), false),
    };

    private Action<JsonWriter> RandomId() => rng.Next(6) switch
    {
        0 or 1 => w => w.String(PoolKey(), rng),
        2 => w => w.Raw(Pick<string>(["5", "true", "{}", "[]", "\"\"", "null", "\"a\\u0001b\"", "\"\\ud800\""])),
        3 => w => w.String(new string('k', Pick<int>([199, 200, 201, 400])), rng),
        4 => w => w.String(RandomText(0, 30), rng, oddEscapes: true),
        _ => w => RandomValue(w, maxDepth: 3, budget: 6),
    };

    private string PoolKey() => $"{keyPrefix}-{rng.Next(KeyPool).ToString(CultureInfo.InvariantCulture)}";

    private string RandomHeaderKey() => rng.Next(10) switch
    {
        < 6 => PoolKey(),
        6 => "",
        7 => new string('h', Pick<int>([200, 201, 1000])),
        8 => "a\tb",
        _ => new string(Enumerable.Range(0, rng.Next(1, 50)).Select(_ => (char)rng.Next(0x21, 0x7F)).ToArray()),
    };

    /// <summary>
    /// Text with no lone surrogate: ASCII, controls, BMP letters, emoji pairs, separators, quotes, backslashes.
    /// </summary>
    private string RandomText(int min, int max)
    {
        var length = rng.Next(min, max + 1);
        var sb = new StringBuilder(length);
        while (sb.Length < length)
        {
            var kind = rng.Next(100);
            if (kind < 65)
            {
                sb.Append((char)rng.Next(0x20, 0x7F));
            }
            else if (kind < 72)
            {
                sb.Append(Pick<char>(['\n', '\r', '\t', '\0', '\u001b', '\u007f', '\u0085', '\u0007']));
            }
            else if (kind < 84)
            {
                var c = Chance(0.5) ? rng.Next(0xA0, 0x800) : rng.Next(0x4E00, 0xA000);
                sb.Append((char)c);
            }
            else if (kind < 90 && sb.Length + 2 <= length)
            {
                sb.Append(char.ConvertFromUtf32(rng.Next(0x1F300, 0x1FAFF)));
            }
            else
            {
                sb.Append(Pick<char>(['\u2028', '\u2029', '\uFEFF', '\\', '"', '|', '/', '\uFFFD']));
            }
        }

        return sb.ToString();
    }

    private string RandomNumber() => rng.Next(10) switch
    {
        0 => rng.Next(-1000, 1000).ToString(CultureInfo.InvariantCulture),
        1 => rng.NextInt64().ToString(CultureInfo.InvariantCulture),
        2 => "-" + rng.NextInt64().ToString(CultureInfo.InvariantCulture),
        3 => string.Concat(Enumerable.Range(0, rng.Next(19, 400)).Select(i => (char)('0' + (i == 0 ? rng.Next(1, 10) : rng.Next(10))))),
        4 => (rng.NextDouble() * 1e6).ToString("R", CultureInfo.InvariantCulture),
        5 => $"{rng.Next(1, 10)}e{rng.Next(-400, 400)}",
        6 => Pick<string>(["-0", "0", "0.0", "-0.0", "1E+2", "1e-7", "123456789012345678901234567890"]),
        7 => (nowMs + rng.NextInt64(-DayMs, DayMs)).ToString(CultureInfo.InvariantCulture) + Pick<string>([".0", ".5", "e0", ""]),
        8 => Pick<string>(["9223372036854775807", "9223372036854775808", "-9223372036854775809", "253402300799999", "253402300800000"]),
        _ => rng.Next().ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Any JSON value, nested up to <paramref name="maxDepth"/> (past 16 on purpose), at most
    /// <paramref name="budget"/> containers; <paramref name="clean"/> keeps it valid JSON and valid Unicode.
    /// </summary>
    private void RandomValue(JsonWriter w, int maxDepth, int budget, bool clean = false)
    {
        (_budget, _clean) = (budget, clean);
        RandomNested(w, 0, maxDepth);
    }

    /// <summary>A chain of <paramref name="depth"/> arrays and objects around one value.</summary>
    private void DeepValue(JsonWriter w, int depth)
    {
        var closers = new Stack<string>();
        for (var i = 0; i < depth; i++)
        {
            if (Chance(0.5))
            {
                w.Raw("[");
                closers.Push("]");
            }
            else
            {
                w.Raw("{").String(RandomText(0, 4), rng).Raw(":");
                closers.Push("}");
            }
        }

        RandomValue(w, maxDepth: 1, budget: 1);
        while (closers.Count > 0)
        {
            w.Raw(closers.Pop());
        }
    }

    private void RandomNested(JsonWriter w, int depth, int maxDepth)
    {
        var kind = rng.Next(10);
        if (depth >= maxDepth || _budget <= 0)
        {
            kind = rng.Next(6);
        }

        switch (kind)
        {
            case 0:
                w.Raw(Pick<string>(["null", "true", "false"]));
                break;
            case 1:
            case 2:
                w.Raw(RandomNumber());
                break;
            case 3:
            case 4:
            case 5:
                w.String(RandomText(0, Chance(0.05) ? 5000 : 40), rng, oddEscapes: !_clean && Chance(0.3));
                break;
            case 6:
            case 7:
                _budget--;
                w.Raw("[");
                for (var i = rng.Next(0, 5); i > 0; i--)
                {
                    RandomNested(w, depth + 1, maxDepth);
                    w.Raw(i > 1 ? "," : "").Space(rng);
                }

                w.Raw("]");
                break;
            default:
                _budget--;
                w.Raw("{");
                for (var i = rng.Next(0, 5); i > 0; i--)
                {
                    w.String(Chance(0.3) ? Pick<string>(["time", "message", "id"]) : RandomText(0, 10), rng).Raw(":");
                    RandomNested(w, depth + 1, maxDepth);
                    w.Raw(i > 1 ? "," : "").Space(rng);
                }

                w.Raw("}");
                break;
        }
    }

    private byte[] RandomBytes()
    {
        var bytes = new byte[rng.Next(0, 600)];
        if (Chance(0.5))
        {
            rng.NextBytes(bytes);
            return bytes;
        }

        const string alphabet = "{}[]\",:\\0123456789.eE+-truefalsnimgd \t\r\n'/*";
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)alphabet[rng.Next(alphabet.Length)];
        }

        return bytes;
    }

    private byte[] Mutate(byte[] valid)
    {
        var bytes = valid.ToList();
        for (var n = rng.Next(1, 5); n > 0 && bytes.Count > 0; n--)
        {
            var at = rng.Next(bytes.Count);
            switch (rng.Next(5))
            {
                case 0:
                    bytes[at] = (byte)rng.Next(256);
                    break;
                case 1:
                    bytes.RemoveRange(at, Math.Min(rng.Next(1, 9), bytes.Count - at));
                    break;
                case 2:
                    byte[] token = rng.Next(4) == 0 ? [(byte)Pick<int>([0x00, 0x0A, 0xFF, 0xC0, 0xED, 0x80])] : Encoding.UTF8.GetBytes(Pick(MutationTokens));
                    bytes.InsertRange(at, token);
                    break;
                case 3:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                default:
                    var length = Math.Min(rng.Next(1, 20), bytes.Count - at);
                    bytes.InsertRange(rng.Next(bytes.Count), bytes.GetRange(at, length));
                    break;
            }
        }

        return [.. bytes];
    }

    private byte[] Oversize(bool batch)
    {
        var filler = MaxBodyBytes + rng.Next(1, 100_000);
        var wide = Chance(0.5);
        var text = new StringBuilder(filler + 40).Append(batch ? "[" : "").Append("{\"time\":0,\"message\":\"")
            .Append(wide ? '\u00e9' : 'a', wide ? (filler / 2) + 1 : filler).Append("\"}").Append(batch ? "]" : "");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private void Shuffle<T>(List<T> items)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = rng.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}

/// <summary>Writes JSON text byte by byte, including what no serializer would write.</summary>
internal sealed class JsonWriter
{
    private readonly ArrayBufferWriter<byte> _bytes = new();

    public JsonWriter Raw(string text)
    {
        _bytes.Write(Encoding.UTF8.GetBytes(text));
        return this;
    }

    public JsonWriter Bytes(ReadOnlySpan<byte> bytes)
    {
        _bytes.Write(bytes);
        return this;
    }

    /// <summary>Optional JSON whitespace, now and then.</summary>
    public JsonWriter Space(Random rng) => rng.Next(8) == 0 ? Raw(rng.Next(4) switch { 0 => " ", 1 => "\n", 2 => "\t", _ => "\r\n  " }) : this;

    public JsonWriter String(string value) => String(value, null);

    /// <summary>
    /// A JSON string of <paramref name="value"/>, each character raw or \u-escaped at random. With
    /// <paramref name="oddEscapes"/> it also slips in lone surrogate escapes, raw invalid UTF-8 bytes,
    /// raw control characters and bad escapes (making the text invalid Unicode or invalid JSON).
    /// </summary>
    public JsonWriter String(string value, Random? rng, bool oddEscapes = false)
    {
        Raw("\"");
        for (var i = 0; i < value.Length; i++)
        {
            if (oddEscapes && rng!.Next(40) == 0)
            {
                switch (rng.Next(5))
                {
                    case 0:
                        Raw($"\\u{rng.Next(0xD800, 0xE000):x4}");
                        break;
                    case 1:
                        Bytes([(byte)rng.Next(0x80, 0x100)]);
                        break;
                    case 2:
                        Bytes([(byte)rng.Next(0, 0x20)]);
                        break;
                    case 3:
                        Raw(rng.Next(2) == 0 ? "\\x" : "\\u12");
                        break;
                    default:
                        Raw("\\U0001F600");
                        break;
                }
            }

            var c = value[i];
            var pair = char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]);
            var escape = rng is not null && rng.Next(6) == 0;
            if (pair)
            {
                Raw(escape ? $"\\u{(int)c:x4}\\u{(int)value[i + 1]:x4}" : value.Substring(i, 2));
                i++;
            }
            else if (c == '"' || c == '\\')
            {
                Raw(escape ? $"\\u{(int)c:x4}" : "\\" + c);
            }
            else if (c < 0x20)
            {
                Raw(c switch
                {
                    '\n' when !escape => "\\n",
                    '\r' when !escape => "\\r",
                    '\t' when !escape => "\\t",
                    '\b' when !escape => "\\b",
                    '\f' when !escape => "\\f",
                    _ => $"\\u{(int)c:x4}",
                });
            }
            else if (char.IsSurrogate(c))
            {
                Raw($"\\u{(int)c:x4}");
            }
            else
            {
                Raw(escape ? $"\\u{(int)c:x4}" : c == '/' && rng?.Next(2) == 0 ? "\\/" : c.ToString());
            }
        }

        return Raw("\"");
    }

    public byte[] ToArray() => _bytes.WrittenSpan.ToArray();
}
