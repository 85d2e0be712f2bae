using EchoAtTime.Chaos;

namespace EchoAtTime.Bench;

/// <summary>What one silo process printed, in the order it wrote it.</summary>
/// <param name="Process">The process, e.g. <c>silo-2#1</c>.</param>
/// <param name="Records">Its echoed messages in file order.</param>
/// <param name="Unparseable">Lines that are not an echoed message in the JSON contract (stdout must carry nothing else).</param>
/// <param name="UnparseableSamples">The first few of them, for evidence.</param>
public sealed record ProcessOutput(string Process, IReadOnlyList<PrintedRecord> Records, int Unparseable, IReadOnlyList<string> UnparseableSamples)
{
    private const int UnparseableKept = 5;

    /// <summary>Reads the stdout files of <paramref name="processes"/> (in parallel: they can hold a million lines each).</summary>
    public static IReadOnlyList<ProcessOutput> Read(IReadOnlyList<SiloProcess> processes)
    {
        var outputs = new ProcessOutput[processes.Count];
        Parallel.For(0, processes.Count, i => outputs[i] = Read(processes[i].Name, processes[i].StdoutPath));
        return outputs;
    }

    private static ProcessOutput Read(string name, string path)
    {
        var records = new List<PrintedRecord>();
        var samples = new List<string>();
        var unparseable = 0;
        if (!File.Exists(path))
        {
            return new ProcessOutput(name, records, unparseable, samples);
        }

        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16));
        while (reader.ReadLine() is { } line)
        {
            // Chaos's parser is the one reading of the JSON line contract (DESIGN §2) both tools share.
            if (PrintedLine.TryParse(name, line, out var printed))
            {
                records.Add(new PrintedRecord(new MessageKey(printed.DueMs, printed.Seq), printed.PrintedMs, printed.Redelivered));
            }
            else if (++unparseable <= UnparseableKept)
            {
                samples.Add(line);
            }
        }

        return new ProcessOutput(name, records, unparseable, samples);
    }
}
