using AgentGym.Core.Sandboxing;

namespace AgentGym.Core.Tests;

/// <summary>Issue 13 item 8: run_status says a run is stalled while the sandbox says so, and the stall is not training time.</summary>
public sealed class RunStallTests
{
    /// <summary>Reports a stall, waits to be told to resume, then ends with the stalled time it measured.</summary>
    private sealed class StallingSandbox : ISandbox
    {
        public TaskCompletionSource Stalled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Resume { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "stalling";

        public async Task<SandboxRunResult> RunAsync(SandboxRunRequest request, ISandboxOutput output, CancellationToken cancellationToken)
        {
            var time = TimeProvider.System;
            var start = time.GetTimestamp();
            output.OnLine(new SandboxLine(OutputStream.Stdout, "step:1/2 train_loss:3.0 train_time:10ms step_avg:10.00ms", time.GetTimestamp()));
            var since = time.GetTimestamp();
            output.OnStall(new SandboxStall(true, since, "the container is paused"));
            Stalled.SetResult();
            await Resume.Task.WaitAsync(cancellationToken);
            var resumed = time.GetTimestamp();
            output.OnStall(new SandboxStall(false, resumed, "resumed"));
            var end = time.GetTimestamp();
            return new SandboxRunResult(RunOutcome.Succeeded, 0, "exited with code 0", time.GetElapsedTime(start, end), start, end)
            {
                StalledTime = time.GetElapsedTime(since, resumed),
                LimitsMet = [RunLimits.Stall],
            };
        }
    }

    [Fact]
    public async Task Run_status_says_stalled_while_it_lasts_and_elapsed_leaves_the_stall_out()
    {
        await using var world = new TestWorld();
        var sandbox = new StallingSandbox();
        await using var env = await world.ResetAsync(sandbox);
        await env.StepAsync("run_training");
        await sandbox.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromMilliseconds(1500));

        var during = await env.StepAsync("run_status", new { run_id = "run-1" });
        Assert.Contains("STALLED", during.Observation.Text);
        Assert.True(during.Info["stalled"]!.GetValue<bool>());
        Assert.Equal("running", during.Info["state"]!.GetValue<string>());
        Assert.True(during.Info["stalled_s"]!.GetValue<double>() >= 1.4);
        Assert.True(during.Info["elapsed_s"]!.GetValue<double>() < 1.0, during.Info.ToJsonString());

        sandbox.Resume.SetResult();
        var after = await env.StepAsync("run_status", new { run_id = "run-1", wait_seconds = 30 });
        Assert.False(after.Info["stalled"]!.GetValue<bool>());
        Assert.Equal(["stall"], after.Info["limits_met"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.True(after.Info["elapsed_s"]!.GetValue<double>() < 1.0, after.Info.ToJsonString());
        Assert.Contains("stalled", after.Observation.Text);
    }
}
