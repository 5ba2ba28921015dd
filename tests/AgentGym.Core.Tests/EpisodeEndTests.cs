namespace AgentGym.Core.Tests;

/// <summary>Issue 13, item 5: once an episode ended, every step repeats its final flags with reward 0.</summary>
public sealed class EpisodeEndTests
{
    [Fact]
    public async Task A_second_submit_repeats_terminated_with_reward_zero()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var first = await env.StepAsync("submit");
        Assert.True(first.Terminated);

        foreach (var tool in new[] { "submit", "edit_file", "no_such_tool" })
        {
            var again = await env.StepAsync(tool, new { path = "train_gpt.py", old_str = "lr = 1e-3", new_str = "lr = 2e-3" });
            Assert.True(again.Terminated);
            Assert.False(again.Truncated);
            Assert.Equal(0, again.Reward);
            Assert.True(again.Observation.IsError);
            Assert.Equal("The episode is over: it terminated (submitted) at step 1. This call changed nothing; call reset to start a new episode.", again.Observation.Text);
            Assert.True(again.Info["episode_over"]!.GetValue<bool>());
        }
        Assert.Contains("lr = 1e-3", File.ReadAllText(Path.Combine(env.Episode!.WorkspaceDirectory, "train_gpt.py")));
        Assert.Equal(2, File.ReadAllLines(env.Episode.TrajectoryPath).Length);
    }

    [Fact]
    public async Task After_truncation_every_step_says_truncated_and_which_budget()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync(budgets: new Gym.EpisodeBudgets { MaxSteps = 1 });
        Assert.True((await env.StepAsync("list_files")).Truncated);
        var after = await env.StepAsync("submit");
        Assert.False(after.Terminated);
        Assert.True(after.Truncated);
        Assert.Equal(0, after.Reward);
        Assert.Equal("step", after.Info["truncated_by"]!.GetValue<string>());
        Assert.Equal((true, "step"), (after.Facts.EpisodeOver, after.Facts.TruncatedBy));
        Assert.Contains("it was truncated (step budget used up) at step 1", after.Observation.Text);
    }
}
