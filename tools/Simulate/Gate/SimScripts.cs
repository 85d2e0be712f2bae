using System.Reflection;
using EchoAtTime.Storage;

namespace EchoAtTime.Simulate.Gate;

/// <summary>The name of a product script from its text, for traces: "commit" reads better than a hash.</summary>
internal static class SimScripts
{
    private static readonly Dictionary<string, string> Names = typeof(SlotScripts).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Concat(typeof(PendingIndexScripts).GetFields(BindingFlags.Public | BindingFlags.Static))
        .Where(f => f.FieldType == typeof(string))
        .GroupBy(f => (string)f.GetValue(null)!, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.First().Name, StringComparer.Ordinal);

    public static string NameOf(string script) => Names.GetValueOrDefault(script, "script");
}
