using AgentGym.Core.Sandboxing;
using AgentGym.Eval.Reporting;
using AgentGym.Eval.Scheduling;

namespace AgentGym.Eval.Tests;

public sealed class SchedulingTests
{
    [Fact]
    public async Task Concurrent_leases_never_share_a_gpu_nor_exceed_the_cpus()
    {
        var pool = new SlotPool(4, ["0", "1", "2"], maxHolders: 3);
        var held = new HashSet<string>();
        double cpus = 0;
        var maxCpus = 0.0;
        var gate = new Lock();
        var random = new Random(7);
        var demands = Enumerable.Range(0, 40).Select(_ => (Cpus: (double)random.Next(1, 4), Gpus: random.Next(0, 3))).ToList();
        await Task.WhenAll(demands.Select(async d =>
        {
            using var lease = await pool.AcquireAsync(d.Cpus, d.Gpus, CancellationToken.None);
            Assert.Equal(d.Gpus, lease.GpuIds.Count);
            lock (gate)
            {
                foreach (var id in lease.GpuIds) Assert.True(held.Add(id), $"GPU {id} handed out twice");
                cpus += lease.Cpus;
                maxCpus = Math.Max(maxCpus, cpus);
                Assert.True(cpus <= 4 + 1e-9);
            }
            await Task.Delay(random.Next(1, 5));
            lock (gate)
            {
                foreach (var id in lease.GpuIds) held.Remove(id);
                cpus -= lease.Cpus;
            }
        }));
        Assert.Empty(held);
        Assert.True(maxCpus > 1, "leases should overlap");
    }

    [Fact]
    public async Task Requests_are_served_in_order_and_a_cancelled_wait_gives_nothing_away()
    {
        var pool = new SlotPool(2, ["a"], maxHolders: 4);
        var first = await pool.AcquireAsync(2, 1, CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var cancelled = pool.AcquireAsync(1, 0, cts.Token);
        var big = pool.AcquireAsync(2, 1, CancellationToken.None);
        var small = pool.AcquireAsync(1, 0, CancellationToken.None);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.False(big.IsCompleted);
        Assert.False(small.IsCompleted); // waits behind the big request although one core would fit after release
        first.Dispose();
        using var second = await big;
        Assert.Equal(["a"], second.GpuIds);
        Assert.False(small.IsCompleted);
        second.Dispose();
        using var third = await small;
        Assert.Empty(third.GpuIds);
    }

    [Fact]
    public async Task The_pinned_sandbox_hands_its_lease_to_gpu_runs_only()
    {
        var inner = new RecordingSandbox();
        var pinned = new GpuPinnedSandbox(inner, ["3"]);
        var request = new SandboxRunRequest { RunId = "r", EpisodeId = "e", WorkspaceDirectory = "/w", OutputDirectory = "/o", Command = ["true"], Image = "i", TimeLimit = TimeSpan.FromSeconds(1) };
        await pinned.RunAsync(request with { Limits = new SandboxLimits { Gpus = -1 } }, null!, CancellationToken.None);
        await pinned.RunAsync(request with { Limits = new SandboxLimits { Gpus = 1, GpuIds = ["0"] } }, null!, CancellationToken.None);
        await pinned.RunAsync(request, null!, CancellationToken.None);
        Assert.Equal(["3"], inner.Seen[0].GpuIds);
        Assert.Equal(1, inner.Seen[0].Gpus);
        Assert.Equal(["3"], inner.Seen[1].GpuIds);
        Assert.Empty(inner.Seen[2].GpuIds);
        Assert.Equal(0, inner.Seen[2].Gpus);
    }

    [Fact]
    public void Iqm_and_top3_follow_their_definitions()
    {
        Assert.Equal(2.5, Stats.Iqm([1, 2, 3, 4]));
        Assert.Equal(4.5, Stats.Iqm([100, 1, 2, 3, 4, 5, 6, 7]));
        Assert.Equal(3, Stats.Iqm([3]));
        Assert.Null(Stats.Iqm([]));
        // Task a: best three of 0, 1, 2, 3 -> 2; task b: its one run -> 0; mean over tasks: 1.
        Assert.Equal(1, Stats.TopKMean([("a", 0), ("a", 1), ("a", 2), ("a", 3), ("b", 0)]));
    }

    private sealed class RecordingSandbox : ISandbox
    {
        public List<SandboxLimits> Seen { get; } = [];
        public string Name => "recording";

        public Task<SandboxRunResult> RunAsync(SandboxRunRequest request, ISandboxOutput output, CancellationToken cancellationToken)
        {
            Seen.Add(request.Limits);
            return Task.FromResult(new SandboxRunResult(RunOutcome.Succeeded, 0, "ok", TimeSpan.Zero, 0, 0));
        }
    }
}
