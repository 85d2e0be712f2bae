namespace EchoAtTime.Bench;

/// <summary>What one silo process printed, in the order it wrote it.</summary>
/// <param name="Process">The process, e.g. <c>silo-2#1</c>.</param>
/// <param name="Lines">Its echoed messages in file order, parsed without their text (a million lines stay
/// small).</param>
/// <param name="Unparseable">Lines that are not an echoed message in the JSON contract (stdout must carry nothing
/// else).</param>
/// <param name="UnparseableSamples">The first few of them, for evidence.</param>
public sealed record ProcessOutput(string Process, IReadOnlyList<PrintedLine> Lines, int Unparseable, IReadOnlyList<string> UnparseableSamples)
{
    private const int UnparseableKept = 5;

    /// <summary>
    /// Reads the stdout files of <paramref name="processes"/> (in parallel: they can hold a million lines each).
    /// </summary>
    public static IReadOnlyList<ProcessOutput> Read(IReadOnlyList<ServiceProcess> processes)
    {
        var outputs = new ProcessOutput[processes.Count];
        Parallel.For(0, processes.Count, i => outputs[i] = Read(processes[i].Name, processes[i].StdoutPath!));
        return outputs;
    }

    private static ProcessOutput Read(string name, string path)
    {
        var lines = new List<PrintedLine>();
        var samples = new List<string>();
        var unparseable = 0;
        if (!File.Exists(path))
        {
            return new ProcessOutput(name, lines, unparseable, samples);
        }

        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16));
        while (reader.ReadLine() is { } line)
        {
            if (PrintedLine.TryParse(name, line, keepText: false, out var printed))
            {
                lines.Add(printed);
            }
            else if (++unparseable <= UnparseableKept)
            {
                samples.Add(line);
            }
        }

        return new ProcessOutput(name, lines, unparseable, samples);
    }
}
