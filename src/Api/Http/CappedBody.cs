namespace EchoAtTime.Api.Http;

/// <summary>
/// A request body read up to a limit: the first read past it throws <see cref="BodyOverLimitException"/>, leaving the
/// rest of the body unread on the connection for <see cref="RequestBody"/> to drain before it answers 413.
/// </summary>
internal sealed class CappedBody(Stream inner, long limit) : Stream
{
    private long _read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Counted(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Counted(int read)
    {
        _read += read;
        return _read > limit ? throw new BodyOverLimitException() : read;
    }
}

/// <summary>The body went past <see cref="CappedBody"/>'s limit.</summary>
internal sealed class BodyOverLimitException() : Exception("The request body is over its limit.");
