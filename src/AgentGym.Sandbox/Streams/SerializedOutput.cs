using AgentGym.Core.Sandboxing;

namespace AgentGym.Sandbox.Streams;

/// <summary>Serialises OnLine calls: the reader and the harness (time limit notice, copy notes) may both report lines.</summary>
internal sealed class SerializedOutput(ISandboxOutput inner) : ISandboxOutput
{
    private readonly Lock _gate = new();

    public void OnLine(SandboxLine line)
    {
        lock (_gate)
        {
            // A consumer that throws on one line must not stop the pump: every later line still matters.
            try { inner.OnLine(line); }
            catch (Exception ex) when (ex is not OutOfMemoryException) { /* the consumer's own loss; it reports it */ }
        }
    }

    public void OnStall(SandboxStall stall)
    {
        lock (_gate) inner.OnStall(stall);
    }
}

/// <summary>Keeps the first bytes written and discards the rest (helper commands' stderr, for error messages).</summary>
internal sealed class BoundedStream(Stream inner, long limit) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        var room = (int)Math.Max(0, Math.Min(count, limit - inner.Length));
        if (room > 0) inner.Write(buffer, offset, room);
    }
}
