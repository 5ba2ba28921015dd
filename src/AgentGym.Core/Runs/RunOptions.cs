namespace AgentGym.Core.Runs;

/// <summary>Per-run caps on what the harness keeps; anything beyond is counted and announced, never silently dropped.</summary>
public sealed record RunOptions
{
    public long MaxLogBytes { get; init; } = 4 * 1024 * 1024;
    public int MaxLineChars { get; init; } = 4096;
}
