using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace EchoAtTime.Tests.Api;

/// <summary>What a <see cref="HostileRequest"/> row checks beyond the status code.</summary>
public enum Check
{
    /// <summary>Only the status (answers of Kestrel or routing, 404s, open GETs).</summary>
    StatusOnly,

    /// <summary>
    /// RFC 9457 problem details (<c>application/problem+json</c>) whose <c>status</c> is the status code.
    /// </summary>
    Problem,

    /// <summary>A 400 problem titled "The body is not valid JSON." without <c>errors</c>.</summary>
    NotJson,

    /// <summary>
    /// A 400 validation problem whose <c>errors</c> has exactly the one key <see cref="HostileRequest.ErrorKey"/>.
    /// </summary>
    Validation,

    /// <summary>202 with <c>{id, dueAt}</c> and a matching Location (or, for a batch, every item 202).</summary>
    Accepted,
}

/// <summary>
/// One row of <see cref="HostileRequestTests"/>: a request as raw as HTTP allows and its exact
/// expected answer. Serializable (the body as base64), so every row is its own test case and a lone
/// surrogate in a body survives discovery.
/// </summary>
public sealed class HostileRequest : IXunitSerializable
{
    public int Number { get; set; }

    public string Description { get; set; } = "";

    public string Method { get; set; } = "POST";

    public string Path { get; set; } = "/echoAtTime";

    /// <summary>Sent verbatim; null sends no Content-Type.</summary>
    public string? ContentType { get; set; } = ApiSiloFixture.Json;

    public byte[]? Body { get; set; }

    /// <summary>Extra header lines, "Name: value" (Latin-1), in order; a name may repeat.</summary>
    public IReadOnlyList<string> Headers { get; set; } = [];

    /// <summary>Send the silo's API key in X-Api-Key.</summary>
    public bool WithKey { get; set; } = true;

    /// <summary>Send the body with Transfer-Encoding: chunked (no Content-Length).</summary>
    public bool Chunked { get; set; }

    /// <summary>Send over a plain socket (repeated header lines).</summary>
    public bool Raw { get; set; }

    public int Status { get; set; }

    public string? ErrorKey { get; set; }

    public Check Check { get; set; }

    public void Serialize(IXunitSerializationInfo info)
    {
        info.AddValue(nameof(Number), Number);
        info.AddValue(nameof(Description), Description);
        info.AddValue(nameof(Method), Method);
        info.AddValue(nameof(Path), Path);
        info.AddValue(nameof(ContentType), ContentType);
        info.AddValue(nameof(Body), Body is null ? null : Convert.ToBase64String(Body));
        info.AddValue(nameof(Headers), Convert.ToBase64String(Encoding.Latin1.GetBytes(string.Join('\n', Headers))));
        info.AddValue(nameof(WithKey), WithKey);
        info.AddValue(nameof(Chunked), Chunked);
        info.AddValue(nameof(Raw), Raw);
        info.AddValue(nameof(Status), Status);
        info.AddValue(nameof(ErrorKey), ErrorKey);
        info.AddValue(nameof(Check), (int)Check);
    }

    public void Deserialize(IXunitSerializationInfo info)
    {
        Number = info.GetValue<int>(nameof(Number));
        Description = info.GetValue<string>(nameof(Description));
        Method = info.GetValue<string>(nameof(Method));
        Path = info.GetValue<string>(nameof(Path));
        ContentType = info.GetValue<string?>(nameof(ContentType));
        Body = info.GetValue<string?>(nameof(Body)) is { } body ? Convert.FromBase64String(body) : null;
        var headers = Encoding.Latin1.GetString(Convert.FromBase64String(info.GetValue<string>(nameof(Headers))));
        Headers = headers.Length == 0 ? [] : headers.Split('\n');
        WithKey = info.GetValue<bool>(nameof(WithKey));
        Chunked = info.GetValue<bool>(nameof(Chunked));
        Raw = info.GetValue<bool>(nameof(Raw));
        Status = info.GetValue<int>(nameof(Status));
        ErrorKey = info.GetValue<string?>(nameof(ErrorKey));
        Check = (Check)info.GetValue<int>(nameof(Check));
    }

    /// <summary>What the request is, what it sends and what it expects, as xunit shows the row.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder()
            .Append('#').Append(Number.ToString("000", CultureInfo.InvariantCulture)).Append(' ').Append(Description)
            .Append(" | ").Append(Method).Append(' ').Append(Path);
        if (Body is not null)
        {
            sb.Append(" [").Append(ContentType ?? "no Content-Type").Append(", ")
                .Append(Body.Length.ToString(CultureInfo.InvariantCulture)).Append(" bytes")
                .Append(Chunked ? ", chunked" : "").Append(']');
        }

        if (!WithKey)
        {
            sb.Append(" [no key]");
        }

        sb.Append(" => ").Append(Status.ToString(CultureInfo.InvariantCulture));
        if (ErrorKey is not null)
        {
            sb.Append(" errors[\"").Append(ErrorKey).Append("\"]");
        }
        else if (Check == Check.NotJson)
        {
            sb.Append(" not JSON");
        }

        return sb.ToString();
    }

    /// <summary>
    /// The body as it would be printed in a failure message: text, control bytes escaped, cut at 300 characters.
    /// </summary>
    public string BodyPreview()
    {
        if (Body is null)
        {
            return "(no body)";
        }

        var text = Encoding.Latin1.GetString(Body, 0, Math.Min(Body.Length, 300));
        var sb = new StringBuilder();
        foreach (var c in text)
        {
            sb.Append(c is < ' ' or > '~' ? $"\\x{(int)c:x2}" : c.ToString());
        }

        return Body.Length > 300 ? sb.Append('…').ToString() : sb.ToString();
    }
}
