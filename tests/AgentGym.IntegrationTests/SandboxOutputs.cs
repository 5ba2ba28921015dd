using AgentGym.Core.Sandboxing;

namespace AgentGym.IntegrationTests;

/// <summary>Counts without keeping: lines, longest line, distinct arrival stamps, and the managed heap's peak.</summary>
internal sealed class CountingOutput : ISandboxOutput
{
    private long _lastStamp = long.MinValue;

    public long Lines { get; private set; }
    public int LongestLine { get; private set; }
    public int DistinctArrivalStamps { get; private set; }
    public long PeakHeapBytes { get; private set; }

    public void OnLine(SandboxLine line)
    {
        Lines++;
        LongestLine = Math.Max(LongestLine, line.Text.Length);
        if (line.HostTimestamp != _lastStamp)
        {
            _lastStamp = line.HostTimestamp;
            DistinctArrivalStamps++;
        }
        if (Lines % 100_000 == 0) PeakHeapBytes = Math.Max(PeakHeapBytes, GC.GetTotalMemory(forceFullCollection: true));
    }
}

/// <summary>Completes when a line with the given text arrives.</summary>
internal sealed class StartedSignal(string text) : ISandboxOutput
{
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void OnLine(SandboxLine line)
    {
        if (line.Text == text) Started.TrySetResult();
    }
}
