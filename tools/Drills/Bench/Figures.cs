using System.Globalization;
using System.Text.Json.Nodes;

namespace EchoAtTime.Bench;

/// <summary>
/// The figures of one scenario run, in the order they were added: one list feeds both the JSON
/// report (key → value) and the table (label → text), so the two can never disagree.
/// </summary>
public sealed class Figures
{
    private readonly List<Figure> _items = [];

    public IReadOnlyList<Figure> Items => _items;

    public Figures Add(string key, string label, long value) =>
        Add(new Figure(key, label, JsonValue.Create(value), value.ToString("#,0", CultureInfo.InvariantCulture)));

    public Figures Add(string key, string label, double value, int decimals)
    {
        var rounded = Math.Round(value, decimals);
        return Add(new Figure(key, label, double.IsFinite(rounded) ? JsonValue.Create(rounded) : null,
            double.IsFinite(rounded) ? rounded.ToString("#,0." + new string('0', decimals), CultureInfo.InvariantCulture) : "n/a"));
    }

    public Figures Add(string key, string label, bool value) =>
        Add(new Figure(key, label, JsonValue.Create(value), value ? "yes" : "NO"));

    public Figures Add(string key, string label, string value) =>
        Add(new Figure(key, label, JsonValue.Create(value), value));

    /// <summary>A figure for the JSON report only (breakdowns too wide for the table).</summary>
    public Figures AddJson(string key, JsonNode value) => Add(new Figure(key, null, value, ""));

    /// <summary>
    /// The value of the numeric figure <paramref name="key"/>; null when there is none (or it is n/a).
    /// </summary>
    public double? Number(string key) =>
        _items.FirstOrDefault(f => f.Key == key)?.Value is not JsonValue value ? null
        : value.TryGetValue(out double number) ? number
        : value.TryGetValue(out long count) ? count
        : null;

    public JsonObject ToJson()
    {
        var json = new JsonObject();
        foreach (var figure in _items)
        {
            json[figure.Key] = figure.Value?.DeepClone();
        }

        return json;
    }

    private Figures Add(Figure figure)
    {
        _items.Add(figure);
        return this;
    }
}
