using System.Globalization;
using System.Text;

namespace EchoAtTime.Bench;

/// <summary>The figures as a plain-text table: a block per scenario, a column per silo count.</summary>
public static class BenchTable
{
    private const int LabelWidth = 40;
    private const int ColumnWidth = 18;

    public static string Format(BenchReport report)
    {
        var m = report.Machine;
        var sb = new StringBuilder();
        sb.AppendLine(Invariant($"EchoAtTime bench: {m.Cores} cores ({m.CpuModel}), {m.Dotnet}, {m.RedisVersion} appendfsync {m.AppendFsync}, ")
            + Invariant($"{report.Options.Configuration}{(report.Options.Smoke ? ", smoke sizes" : "")}, seed {report.Options.Seed}, load average at end {m.LoadAverage}"));
        foreach (var scenario in report.Runs.Select(r => r.Scenario).Distinct())
        {
            var runs = report.Runs.Where(r => r.Scenario == scenario).ToList();
            sb.Append(Invariant($"{scenario,-LabelWidth}"));
            foreach (var run in runs)
            {
                sb.Append(Invariant($"{(run.Silos == 1 ? "1 silo" : $"{run.Silos} silos"),ColumnWidth}"));
            }

            sb.AppendLine();
            var labels = runs.SelectMany(r => r.Figures.Items).Where(f => f.Label is not null).Select(f => f.Label!).Distinct();
            foreach (var label in labels)
            {
                Row(sb, label, runs.Select(r => r.Figures.Items.FirstOrDefault(f => f.Label == label)?.Display ?? ""));
            }

            Row(sb, "LOST / DUPLICATES / redelivered", runs.Select(r => Invariant($"{r.Integrity.Lost?.ToString(CultureInfo.InvariantCulture) ?? "n/a"} / {r.Integrity.Duplicates} / {r.Integrity.Redelivered}")));
            Row(sb, "ORDER BREAKS", runs.Select(r => Invariant($"{r.Integrity.OrderBreaks}")));
            Row(sb, "EARLY / UNPARSEABLE lines", runs.Select(r => Invariant($"{r.Integrity.Early} / {r.Integrity.Unparseable}")));
            Row(sb, "printed / accepted", runs.Select(r => Invariant($"{r.Integrity.DistinctPrinted} / {r.Integrity.Accepted}")));
            Row(sb, "wall time s", runs.Select(r => r.WallSeconds.ToString("0.0", CultureInfo.InvariantCulture)));
            Row(sb, "verdict", runs.Select(r => r.Passed ? "PASS" : "FAIL"));
            foreach (var run in runs)
            {
                var silos = Invariant($"{run.Silos} silo{(run.Silos == 1 ? "" : "s")}");
                if (run.Error is not null)
                {
                    sb.AppendLine(Invariant($"  error ({silos}): {run.Error}"));
                }

                foreach (var note in run.Notes)
                {
                    sb.AppendLine(Invariant($"  note ({silos}): {note}"));
                }

                foreach (var evidence in run.Integrity.Evidence)
                {
                    sb.AppendLine(Invariant($"  evidence ({silos}): {evidence}"));
                }
            }
        }

        sb.AppendLine(Invariant($"verdict: {(report.Passed ? "PASS" : "FAIL")} in {report.WallSeconds:0} s")
            + (report.WorkDirKept ? Invariant($"; work dir kept: {report.WorkDir}") : ""));
        return sb.ToString();
    }

    private static void Row(StringBuilder sb, string label, IEnumerable<string> values)
    {
        sb.Append(Invariant($"  {label,-(LabelWidth - 2)}"));
        foreach (var value in values)
        {
            sb.Append(Invariant($"{value,ColumnWidth}"));
        }

        sb.AppendLine();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
