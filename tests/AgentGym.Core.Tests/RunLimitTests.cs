using AgentGym.Core.Gym;
using AgentGym.Core.Runs;
using AgentGym.Core.Sandboxing;
using AgentGym.Core.Tasks;

namespace AgentGym.Core.Tests;

/// <summary>Issue 13 item 8: how many runs one episode has in flight, and how many output bytes it may keep.</summary>
public sealed class RunLimitTests
{
    private static GymOptions Options(TestWorld world, ISandbox sandbox, RunOptions runs) => new()
    {
        Tasks = TaskCatalog.Load(world.TasksDirectory),
        EpisodesDirectory = world.EpisodesDirectory,
        Sandbox = sandbox,
        RunOptions = runs,
    };

    [Fact]
    public async Task A_run_beyond_the_in_flight_limit_is_a_clear_tool_error_and_a_finished_run_frees_its_place()
    {
        await using var world = new TestWorld();
        var sandbox = new FakeSandbox(["started"], hang: true);
        await using var env = GymEnvironment.Create(Options(world, sandbox, new RunOptions { MaxRunsInFlight = 2 }));
        await env.ResetAsync(new ResetOptions { TaskId = TestWorld.TaskId });
        Assert.False((await env.StepAsync("run_training")).Observation.IsError);
        Assert.False((await env.StepAsync("run_training")).Observation.IsError);

        var third = await env.StepAsync("run_training");
        Assert.True(third.Observation.IsError);
        Assert.Contains("2 runs are already in flight (run-1, run-2)", third.Observation.Text);
        Assert.Contains("at most 2 at once", third.Observation.Text);
        Assert.Contains("There is no run 'run-3'", (await env.StepAsync("run_status", new { run_id = "run-3" })).Observation.Text);

        await env.StepAsync("cancel_run", new { run_id = "run-1" });
        var fourth = await env.StepAsync("run_training");
        Assert.False(fourth.Observation.IsError, fourth.Observation.Text);
        Assert.Equal("run-3", fourth.Info["run_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Each_run_is_given_what_is_left_of_the_episode_and_total_output_budgets()
    {
        await using var world = new TestWorld();
        var sandbox = new FakeSandbox(["done"]);
        var total = new OutputQuota(10_000);
        await using var env = GymEnvironment.Create(Options(world, sandbox, new RunOptions { MaxOutputBytesPerRun = 4_000, MaxOutputBytesPerEpisode = 6_000, TotalOutputs = total }));
        await env.ResetAsync(new ResetOptions { TaskId = TestWorld.TaskId });
        for (var i = 1; i <= 3; i++)
        {
            await env.StepAsync("run_training");
            await env.StepAsync("run_status", new { run_id = $"run-{i}", wait_seconds = 30 });
        }
        // Each fake run keeps 7 bytes (model.pt): the unused part of each reservation goes back.
        Assert.Equal([4_000L, 4_000L, 4_000L], sandbox.Requests.Select(r => r.MaxOutputBytes ?? -1));
        Assert.Equal(10_000 - 21, total.RemainingBytes);

        // Another environment given a nearly spent total gets only what is left of it.
        var small = new OutputQuota(5);
        await using var env2 = GymEnvironment.Create(Options(world, sandbox, new RunOptions { MaxOutputBytesPerRun = 4_000, TotalOutputs = small }));
        await env2.ResetAsync(new ResetOptions { TaskId = TestWorld.TaskId });
        await env2.StepAsync("run_training");
        await env2.StepAsync("run_status", new { run_id = "run-1", wait_seconds = 30 });
        Assert.Equal(5, sandbox.Requests[^1].MaxOutputBytes);
    }

    [Fact]
    public void A_quota_never_grants_more_than_is_left()
    {
        var quota = new OutputQuota(100);
        Assert.Equal(60, quota.Reserve(60));
        Assert.Equal(40, quota.Reserve(60));
        Assert.Equal(0, quota.Reserve(1));
        quota.Release(30);
        Assert.Equal(30, quota.RemainingBytes);
    }
}
