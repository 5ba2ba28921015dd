using System.Collections.Concurrent;
using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace AgentGym.IntegrationTests;

/// <summary>Issue 13 item 8: a run that stops producing output or CPU time is noticed, said, and its stall kept apart from training.</summary>
public sealed class DockerStallTests : IDisposable
{
    private readonly ISandbox _sandbox = Sandboxes.CreateDocker(new DockerSandboxOptions { StallAfter = TimeSpan.FromSeconds(3), StallCheckInterval = TimeSpan.FromSeconds(1) });

    public void Dispose() => (_sandbox as IDisposable)?.Dispose();

    private sealed class StallOutput : ISandboxOutput
    {
        public CollectingOutput Lines { get; } = new();
        public ConcurrentQueue<SandboxStall> Stalls { get; } = new();
        public TaskCompletionSource FirstLine { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnLine(SandboxLine line)
        {
            Lines.OnLine(line);
            if (line.Stream == OutputStream.Stdout) FirstLine.TrySetResult();
        }

        public void OnStall(SandboxStall stall) => Stalls.Enqueue(stall);
    }

    [DockerFact]
    public async Task A_paused_container_is_reported_stalled_and_the_pause_is_not_counted_as_training()
    {
        using var folder = new RunFolder().With("tick.py", "import time\nfor i in range(40):\n    print(f'tick {i}', flush=True)\n    time.sleep(0.25)\n");
        var episode = "ep-stall-" + Guid.NewGuid().ToString("N")[..8];
        var output = new StallOutput();
        var run = _sandbox.RunAsync(folder.Request(["python3", "tick.py"], episode: episode), output, CancellationToken.None);

        await output.FirstLine.Task.WaitAsync(TimeSpan.FromMinutes(1));
        using var docker = new DockerClientBuilder().WithEndpoint(new Uri("unix:///var/run/docker.sock")).Build();
        var containers = await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { ["agentgym.episode=" + episode] = true } },
        });
        var id = Assert.Single(containers).ID;
        await docker.Containers.PauseContainerAsync(id);
        await Task.Delay(TimeSpan.FromSeconds(6));
        await docker.Containers.UnpauseContainerAsync(id);
        var result = await run;

        Assert.True(result.Outcome == RunOutcome.Succeeded, result.Reason + "\n" + output.Lines.All);
        Assert.Equal([true, false], output.Stalls.Select(s => s.Stalled));
        Assert.Contains("the container is paused", output.Stalls.First().Reason, StringComparison.Ordinal);
        Assert.Contains(RunLimits.Stall, result.LimitsMet);
        Assert.InRange(result.StalledTime.TotalSeconds, 4, 9);
        Assert.Contains(output.Lines.Lines, l => l.Stream == OutputStream.Harness && l.Text.Contains("the run is stalled", StringComparison.Ordinal));
        Assert.Equal(40, output.Lines.Stdout.Count(l => l.StartsWith("tick ", StringComparison.Ordinal)));
    }

    [DockerFact]
    public async Task A_stopped_process_with_no_output_and_no_cpu_time_is_reported_stalled()
    {
        // The script stops itself; a sleeping child wakes it 7 s later. Nothing prints and nothing computes meanwhile.
        using var folder = new RunFolder().With("stop.py", """
            import os, signal, time
            parent = os.getpid()
            if os.fork() == 0:
                time.sleep(7)
                os.kill(parent, signal.SIGCONT)
                os._exit(0)
            print("stopping", flush=True)
            os.kill(parent, signal.SIGSTOP)
            print("resumed", flush=True)
            os.wait()
            """);
        var output = new StallOutput();
        var result = await _sandbox.RunAsync(folder.Request(["python3", "stop.py"]), output, CancellationToken.None);

        Assert.True(result.Outcome == RunOutcome.Succeeded, result.Reason + "\n" + output.Lines.All);
        Assert.Equal(["stopping", "resumed"], output.Lines.Stdout);
        Assert.Equal([true, false], output.Stalls.Select(s => s.Stalled));
        Assert.Contains("no output and no CPU time", output.Stalls.First().Reason, StringComparison.Ordinal);
        Assert.Contains(RunLimits.Stall, result.LimitsMet);
        Assert.InRange(result.StalledTime.TotalSeconds, 3, 8);
    }
}
