namespace EchoAtTime.Grains.Output;

/// <summary>
/// This silo's console did not accept a batch: it blocked past <see cref="EchoOptions.ConsoleTimeout"/>
/// or failed, now or before. Nothing more is printed here; the batch stays declared and unconfirmed
/// in Redis, so the silo that takes the slot over prints it again, flagged.
/// </summary>
public sealed class ConsoleStalledException : IOException
{
    public ConsoleStalledException()
    {
    }

    public ConsoleStalledException(string message)
        : base(message)
    {
    }

    public ConsoleStalledException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
