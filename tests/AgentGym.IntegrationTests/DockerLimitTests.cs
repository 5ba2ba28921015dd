using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox;

namespace AgentGym.IntegrationTests;

/// <summary>Issue 13 item 8: a run that met a limit says which one, even when it exited 0; outputs are capped on the way out.</summary>
public sealed class DockerLimitTests(DockerSandboxFixture fixture) : IClassFixture<DockerSandboxFixture>
{
    /// <summary>Forks until the kernel refuses, lets the children end, then exits 0 as if nothing happened.</summary>
    private const string ForkLoop = """
        import os, time
        children = []
        refused = 0
        for _ in range(200):
            try:
                pid = os.fork()
            except OSError:
                refused += 1
                break
            if pid == 0:
                time.sleep(1)
                os._exit(0)
            children.append(pid)
        for pid in children:
            os.waitpid(pid, 0)
        print(f"forked {len(children)}, refused {refused}", flush=True)
        """;

    [DockerFact]
    public async Task A_fork_loop_that_exits_0_at_the_pids_limit_says_it_met_the_pids_limit()
    {
        using var folder = new RunFolder().With("fork.py", ForkLoop);
        var output = new CollectingOutput();
        var request = folder.Request(["python3", "fork.py"], limits: new SandboxLimits { Cpus = 1, MemoryMb = 512, Pids = 32, DiskMb = 16 });
        var result = await fixture.Sandbox.RunAsync(request, output, CancellationToken.None);
        Assert.True(result.Outcome == RunOutcome.Succeeded, $"{result.Outcome}: {result.Reason}\n{output.All}");
        Assert.Contains(output.Stdout, l => l.StartsWith("forked ", StringComparison.Ordinal) && l.EndsWith("refused 1", StringComparison.Ordinal));
        Assert.Equal([RunLimits.Pids], result.LimitsMet);
        Assert.Contains("met the process limit (32 processes)", result.Reason, StringComparison.Ordinal);
    }

    [DockerFact]
    public async Task A_run_within_its_limits_meets_none()
    {
        using var folder = new RunFolder().With("ok.py", "print('fine')");
        var result = await fixture.Sandbox.RunAsync(folder.Request(["python3", "ok.py"]), new CollectingOutput(), CancellationToken.None);
        Assert.Equal(RunOutcome.Succeeded, result.Outcome);
        Assert.Empty(result.LimitsMet);
    }

    private const string FillOutputs = """
        import os
        out = os.environ["AGENTGYM_OUTPUT_DIR"]
        for i in range(4):
            with open(f"{out}/part{i}.bin", "wb") as f:
                f.write(os.urandom(300_000))
        print("wrote 1.2 MB", flush=True)
        """;

    [DockerFact]
    public async Task Outputs_beyond_the_run_budget_are_not_copied_and_the_result_says_so()
    {
        using var folder = new RunFolder().With("fill.py", FillOutputs);
        var output = new CollectingOutput();
        var request = folder.Request(["python3", "fill.py"]) with { MaxOutputBytes = 700_000 };
        var result = await fixture.Sandbox.RunAsync(request, output, CancellationToken.None);
        Assert.Equal(RunOutcome.Succeeded, result.Outcome);
        Assert.Equal([RunLimits.Outputs], result.LimitsMet);
        Assert.Equal(2, Directory.GetFiles(folder.Outputs).Length);
        Assert.True(Directory.GetFiles(folder.Outputs).Sum(f => new FileInfo(f).Length) <= 700_000);
        Assert.Contains("2 files were not copied", result.Reason, StringComparison.Ordinal);
        Assert.Contains(output.Lines, l => l.Stream == OutputStream.Harness && l.Text.Contains("met the output cap", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_local_backend_caps_outputs_the_same_way()
    {
        using var folder = new RunFolder().With("fill.py", FillOutputs);
        var request = folder.Request(["python3", "/workspace/fill.py"]) with { MaxOutputBytes = 700_000 };
        var result = await Sandboxes.CreateLocal().RunAsync(request, new CollectingOutput(), CancellationToken.None);
        Assert.True(result.Outcome == RunOutcome.Succeeded, result.Reason);
        Assert.Equal([RunLimits.Outputs], result.LimitsMet);
        Assert.Equal(2, Directory.GetFiles(folder.Outputs).Length);
    }
}
