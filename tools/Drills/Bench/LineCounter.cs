namespace EchoAtTime.Bench;

/// <summary>
/// Counts the lines in growing files by reading only what was appended since the last call: the
/// cheap way to see how much the silos have printed while they print (no parsing, no back-pressure).
/// </summary>
public sealed class LineCounter
{
    private readonly Dictionary<string, (long Position, long Lines)> _files = new(StringComparer.Ordinal);
    private readonly byte[] _buffer = new byte[1 << 16];

    public long Count(IEnumerable<string> paths)
    {
        long total = 0;
        foreach (var path in paths)
        {
            var (position, lines) = _files.GetValueOrDefault(path);
            if (File.Exists(path))
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
                stream.Position = position;
                int read;
                while ((read = stream.Read(_buffer)) > 0)
                {
                    lines += _buffer.AsSpan(0, read).Count((byte)'\n');
                    position += read;
                }
            }

            _files[path] = (position, lines);
            total += lines;
        }

        return total;
    }
}
