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
}
