using Microsoft.Extensions.Logging;

namespace EchoAtTime.Silo;

/// <summary>
/// Garnet's log while the embedded store starts and recovers: held back until the start is over.
/// A refused start is then told in one critical line of the silo's own (its reason, the data
/// directory, what to do) instead of Garnet's error lines with their stack traces; a start that
/// succeeded writes what was held (a torn log tail recovered, say) to the real log, each entry as
/// one line, and every later entry goes straight there.
/// </summary>
public sealed class GarnetStartLog(ILoggerFactory target) : ILoggerProvider
{
    private readonly Lock _gate = new();
    private readonly List<(string Category, LogLevel Level, string Text)> _held = [];
    private bool _holding = true;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName, target.CreateLogger(categoryName));

    /// <summary>Writes what was held to the real log and stops holding.</summary>
    public void Release()
    {
        List<(string Category, LogLevel Level, string Text)> held;
        lock (_gate)
        {
            (held, _holding) = ([.. _held], false);
            _held.Clear();
        }

        foreach (var (category, level, text) in held)
        {
            target.CreateLogger(category).Log(level, default, text, null, static (t, _) => t);
        }
    }

    /// <summary>Drops what was held: the start failed and its reason is told elsewhere.</summary>
    public void Discard()
    {
        lock (_gate)
        {
            _holding = false;
            _held.Clear();
        }
    }

    public void Dispose()
    {
    }

    private bool TryHold(string category, LogLevel level, string text)
    {
        lock (_gate)
        {
            if (_holding)
            {
                _held.Add((category, level, text));
            }

            return _holding;
        }
    }

    private sealed class Logger(GarnetStartLog owner, string category, ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            // One line per entry: the exception's message, not its stack trace.
            var text = exception is null ? formatter(state, exception) : $"{formatter(state, exception)} ({exception.GetType().Name}: {exception.Message})";
            if (!owner.TryHold(category, logLevel, text))
            {
                inner.Log(logLevel, eventId, text, null, static (t, _) => t);
            }
        }
    }
}
