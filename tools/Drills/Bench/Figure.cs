using System.Text.Json.Nodes;

namespace EchoAtTime.Bench;

/// <summary>
/// One figure of a scenario run: its JSON key and value, and (unless <paramref name="Label"/> is null) its table row.
/// </summary>
public sealed record Figure(string Key, string? Label, JsonNode? Value, string Display);
