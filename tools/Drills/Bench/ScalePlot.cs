using System.Globalization;
using ScottPlot;

namespace EchoAtTime.Bench;

/// <summary>
/// The scale scenario as a picture: accepted/s against the silo count for each workload, with the
/// ideal N·T(1) of each as a dashed line of the same colour from the origin, so how far a workload
/// falls short of linear scaling shows at a glance; each point is labelled with its rate and E(N). A PNG next to the
/// JSON report (<c>&lt;report&gt;.scale.png</c>).
/// </summary>
public static class ScalePlot
{
    private const int Width = 900;
    private const int Height = 560;

    /// <summary>Where the picture for the report at <paramref name="reportPath"/> goes.</summary>
    public static string PathFor(string reportPath) => Path.ChangeExtension(Path.GetFullPath(reportPath), ".scale.png");

    /// <summary>
    /// Whether <paramref name="report"/> has a scale run that measured something, i.e. <see cref="Write"/> draws a
    /// picture.
    /// </summary>
    public static bool Draws(BenchReport report) => Workloads(report).Count > 0;

    /// <summary>
    /// Draws the scale runs of <paramref name="report"/> that ran; returns the PNG's path, or null when there are none.
    /// </summary>
    public static string? Write(BenchReport report, string reportPath)
    {
        var workloads = Workloads(report);
        if (workloads.Count == 0)
        {
            return null;
        }

        using var plot = new Plot();
        var counts = workloads.SelectMany(w => w.Runs.Select(r => r.Silos)).Distinct().Order().ToList();
        var highest = 0.0;
        for (var i = 0; i < workloads.Count; i++)
        {
            var (name, runs) = workloads[i];
            var color = plot.Add.Palette.GetColor(i);
            var silos = runs.Select(r => (double)r.Silos).ToArray();
            var accepted = runs.Select(r => r.Figures.Number("acceptedPerSecond")!.Value).ToArray();
            var measured = plot.Add.Scatter(silos, accepted, color);
            measured.LegendText = name[(name.IndexOf('.', StringComparison.Ordinal) + 1)..];
            measured.LineWidth = 2;
            measured.MarkerSize = 9;
            highest = Math.Max(highest, accepted.Max());
            for (var k = 0; k < runs.Count; k++)
            {
                var efficiency = runs[k].Figures.Number("scalingEfficiency");
                var label = plot.Add.Text(
                    string.Create(CultureInfo.InvariantCulture, $"{accepted[k]:#,0}/s{(efficiency is { } e && runs[k].Silos != counts[0] ? $", E {e:0.00}" : "")}"), silos[k], accepted[k]);
                label.LabelFontColor = color;
                label.LabelFontSize = 12;

                // Below and right of the marker: the rising lines leave that corner free.
                label.OffsetX = 10;
                label.OffsetY = 6;
            }

            var ideals = runs.Select(r => r.Figures.Number("idealAcceptedPerSecond")).ToArray();
            if (ideals.All(v => v is not null))
            {
                var ideal = plot.Add.Scatter((double[])[0, .. silos], (double[])[0, .. ideals.Select(v => v!.Value)], color);
                ideal.LegendText = measured.LegendText + " ideal N·T(1)";
                ideal.LinePattern = LinePattern.Dashed;
                ideal.LineWidth = 1.5f;
                ideal.MarkerSize = 0;
                highest = Math.Max(highest, ideals.Max(v => v!.Value));
            }
        }

        var options = report.Options;
        plot.Title(string.Create(CultureInfo.InvariantCulture,
            $"Accepted POST /echoAtTime per second vs silos ({options.ScaleQuota:0.###} core each, {options.ScaleDuration.TotalSeconds:0.#} s per point)"));
        plot.XLabel(string.Create(CultureInfo.InvariantCulture, $"silos (each in a cgroup of {options.ScaleQuota:0.###} core; Redis and the load generator outside)"));
        plot.YLabel("accepted messages / s (202)");
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var n in counts)
        {
            ticks.AddMajor(n, n.ToString(CultureInfo.InvariantCulture));
        }

        plot.Axes.Bottom.TickGenerator = ticks;
        // Room right of the largest count for its labels (about 130 px of the 900).
        plot.Axes.SetLimits(0, counts[^1] * 1.22 + 0.3, 0, highest * 1.15);
        plot.ShowLegend(Alignment.UpperLeft);
        var path = PathFor(reportPath);
        plot.SavePng(path, Width, Height);
        return path;
    }

    /// <summary>The scale runs that measured a rate, by workload (scenario), each by silo count.</summary>
    private static List<(string Name, List<ScenarioResult> Runs)> Workloads(BenchReport report) => [.. report.Runs
        .Where(r => BenchScenarios.IsScale(r.Scenario) && r.Error is null && r.Figures.Number("acceptedPerSecond") is not null)
        .GroupBy(r => r.Scenario)
        .Select(g => (g.Key, g.OrderBy(r => r.Silos).ToList()))];
}
