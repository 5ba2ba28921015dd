namespace AgentGym.Tests.Shared;

/// <summary>A temp folder per test, removed afterwards.</summary>
internal sealed class ScratchDir : IDisposable
{
    public ScratchDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "agentgym-speedrun-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { /* a leftover temp folder must not fail the test */ }
    }
}

/// <summary>The benchmark's re-timed record times, records 1..21, in ms (the Automated LLM Speedrunning Benchmark, arXiv 2506.22419).</summary>
internal static class RecordTimes
{
    public static readonly long[] Ms =
    [
        2968348, 2209926, 1386147, 1301740, 949528, 766259, 773072, 662205, 505531, 477150,
        442985, 317839, 289805, 273107, 241463, 232971, 220374, 211840, 199442, 188680, 184262,
    ];

    public static long Of(int record) => Ms[record - 1];

    public static IReadOnlyList<int> TaskRecords { get; } = [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
}
