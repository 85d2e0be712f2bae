using System.Reflection;
using System.Text.RegularExpressions;
using EchoAtTime.Storage;

namespace EchoAtTime.Tests.Unit;

public sealed partial class ScriptLibraryTests
{
    private static readonly string[] Includes = [.. ScriptLibrary.Names().Where(IsInclude)];
    private static readonly string[] Scripts = [.. ScriptLibrary.Names().Where(name => !IsInclude(name))];

    [Fact]
    public void Every_script_the_store_is_sent_is_a_file_that_loads_with_its_includes_resolved()
    {
        Assert.Equal(25, Scripts.Length);
        Assert.Equal(12, Includes.Length);
        foreach (var name in Scripts)
        {
            var text = ScriptLibrary.Get(name);
            Assert.Contains("return", text, StringComparison.Ordinal);
            Assert.DoesNotContain("@include", text, StringComparison.Ordinal);
            Assert.DoesNotContain("-- Returns:", text, StringComparison.Ordinal);
        }

        var sent = typeof(SlotScripts).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Concat(typeof(PendingIndexScripts).GetFields(BindingFlags.Public | BindingFlags.Static))
            .Concat(typeof(ScheduleScripts).GetFields(BindingFlags.Public | BindingFlags.Static))
            .Select(field => (string)field.GetValue(null)!)
            .ToArray();
        Assert.Equal(Scripts.Length, sent.Length);
        Assert.Equal(Scripts.Select(ScriptLibrary.Get).Order(StringComparer.Ordinal),
            sent.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Each_include_is_in_a_script_once_and_so_is_each_local_function()
    {
        foreach (var name in Scripts)
        {
            var text = ScriptLibrary.Get(name);
            var source = ScriptLibrary.Source(name);
            foreach (var include in Includes)
            {
                var named = source.Contains($"--- @include \"{include}\"", StringComparison.Ordinal);
                var count = Occurrences(text, FirstCodeLine(include));
                Assert.True(named ? count == 1 : count <= 1, $"{name}: {include} {count} times");
            }

            foreach (var function in LocalFunction().Matches(text).Select(match => match.Groups[1].Value))
            {
                Assert.Equal(1, Occurrences(text, $"local function {function}("));
            }
        }
    }

    [Fact]
    public void An_include_named_again_through_another_stays_where_it_was_first_named()
    {
        // drain names epochRecord itself and through keepEpochRecord.
        var drain = ScriptLibrary.Get("drain");
        Assert.Equal(1, Occurrences(drain, "local function epochRecord("));
        Assert.True(Position(drain, "local function reincarnated(") < Position(drain, "local function epochRecord("));
        Assert.True(Position(drain, "local function epochRecord(")
            < Position(drain, "local function keepEpochRecord("));
    }

    [Fact]
    public void Status_defines_printed_after_the_receipt_and_before_the_lookup_that_calls_it()
    {
        var status = ScriptLibrary.Get("status");
        var lookup = Position(status, FirstCodeLine("includes/messageLookup"));
        Assert.True(Position(status, "local function receipt(") < Position(status, "local function printed("));
        Assert.True(Position(status, "local function printed(") < lookup);
        Assert.True(lookup < Position(status, "return 'scheduled'"));
    }

    [Fact]
    public void Every_file_starts_with_a_header_saying_its_keys_arguments_and_reply()
    {
        foreach (var name in Scripts.Concat(Includes))
        {
            var header = ScriptLibrary.Source(name).Split('\n')
                .TakeWhile(line => line.StartsWith("-- ", StringComparison.Ordinal))
                .ToArray();
            Assert.True(header.Length >= 2, $"{name} has no header");
            Assert.Contains(header, line => line.StartsWith("-- Returns:", StringComparison.Ordinal));
            if (!IsInclude(name))
            {
                Assert.Contains(header, line => line.StartsWith("-- KEYS", StringComparison.Ordinal));
                Assert.Contains(header, line => line.StartsWith("-- ARGV", StringComparison.Ordinal));
            }
        }
    }

    private static bool IsInclude(string name) => name.StartsWith("includes/", StringComparison.Ordinal);

    private static string FirstCodeLine(string include) => ScriptLibrary.Source(include).Split('\n')
        .First(line => line.Length > 0 && !line.StartsWith("--", StringComparison.Ordinal));

    private static int Occurrences(string text, string part) => Regex.Count(text, Regex.Escape(part));

    private static int Position(string text, string part)
    {
        var at = text.IndexOf(part, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{part}' is missing");
        return at;
    }

    [GeneratedRegex(@"local function (\w+)\(")]
    private static partial Regex LocalFunction();
}
