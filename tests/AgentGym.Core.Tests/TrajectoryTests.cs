using AgentGym.Core.Agents;
using AgentGym.Core.Gym;
using AgentGym.Core.Trajectories;
using Microsoft.Extensions.Time.Testing;

namespace AgentGym.Core.Tests;

public sealed class TrajectoryTests
{
    [Fact]
    public async Task Each_step_is_on_disk_before_StepAsync_returns_including_failures()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var path = env.Episode!.TrajectoryPath;
        Assert.Single(File.ReadAllLines(path));

        await env.StepAsync("read_file", new { path = "train_gpt.py" });
        Assert.Equal(2, File.ReadAllLines(path).Length);
        await env.StepAsync("read_file", new { path = "../etc/passwd" });
        await env.StepRawAsync("edit_file", "{broken json");
        var entries = TrajectoryReader.Read(path);
        Assert.Equal(4, entries.Count);
        Assert.Equal(TrajectoryEntry.ResetKind, entries[0].Kind);
        Assert.Equal([1, 2, 3], entries.Skip(1).Select(e => e.Step));
        Assert.True(entries[2].Observation.IsError);
        Assert.Equal("{broken json", entries[3].ToolCall!.Arguments);
        Assert.True(entries[3].Observation.IsError);
        Assert.All(entries, e => Assert.True(e.Timings.DurationMs >= 0));
    }

    [Fact]
    public async Task Agent_info_on_a_tool_call_is_recorded_under_info_agent_and_not_interpreted()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var agentInfo = new System.Text.Json.Nodes.JsonObject { ["model_turn"] = 3, ["usage"] = new System.Text.Json.Nodes.JsonObject { ["input_tokens"] = 120 } };
        var result = await env.StepAsync(ToolCall.Create("list_files") with { AgentInfo = agentInfo });
        agentInfo["model_turn"] = 99; // the environment keeps its own copy
        Assert.Equal(3, result.Info["agent"]!["model_turn"]!.GetValue<int>());
        var entry = TrajectoryReader.Read(env.Episode!.TrajectoryPath)[1];
        Assert.Equal(120, entry.Info!["agent"]!["usage"]!["input_tokens"]!.GetValue<int>());
        var plain = await env.StepAsync("list_files");
        Assert.False(plain.Info.ContainsKey("agent"));
    }

    [Fact]
    public async Task A_replay_reproduces_a_recorded_episode_step_for_step()
    {
        await using var world = new TestWorld();
        var calls = new List<ToolCall>
        {
            ToolCall.Create("list_files"),
            ToolCall.Create("read_file", new { path = "train_gpt.py", start_line = 1, end_line = 8 }),
            ToolCall.Create("edit_file", new { path = "train_gpt.py", old_str = "lr = 1e-3", new_str = "lr = 3e-3" }),
            new ToolCall("edit_file", "{\"path\": 5}"),
            ToolCall.Create("insert_lines", new { path = "train_gpt.py", line = 0, text = "# tuned" }),
            ToolCall.Create("diff"),
            ToolCall.Create("submit"),
        };
        string first;
        await using (var env = world.CreateEnvironment())
        {
            var outcome = await EpisodeRunner.RunAsync(env, new ScriptedAgent(calls), new ResetOptions { TaskId = TestWorld.TaskId });
            Assert.True(outcome.Terminated);
            first = outcome.Episode.TrajectoryPath;
        }

        string second;
        await using (var env = world.CreateEnvironment())
        {
            var replay = ReplayAgent.FromFile(first);
            Assert.Equal(TestWorld.TaskId, replay.TaskId);
            var outcome = await EpisodeRunner.RunAsync(env, replay, new ResetOptions { TaskId = TestWorld.TaskId });
            Assert.Equal(calls.Count, outcome.Steps);
            second = outcome.Episode.TrajectoryPath;
        }

        var a = TrajectoryReader.Read(first);
        var b = TrajectoryReader.Read(second);
        Assert.Equal(a.Count, b.Count);
        for (var i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].ToolCall, b[i].ToolCall);
            Assert.Equal(a[i].Observation, b[i].Observation);
            Assert.Equal(a[i].Reward, b[i].Reward);
            Assert.Equal(a[i].Terminated, b[i].Terminated);
            Assert.Equal(a[i].Truncated, b[i].Truncated);
        }
        Assert.True(b[^1].Terminated);
        Assert.Contains("lr = 3e-3", a[6].Observation.Text);
    }

    [Fact]
    public async Task Step_budget_truncates_and_later_steps_are_refused()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync(budgets: new EpisodeBudgets { MaxSteps = 2 });
        Assert.False((await env.StepAsync("list_files")).Truncated);
        var second = await env.StepAsync("list_files");
        Assert.True(second.Truncated);
        Assert.Equal("step", second.Info["truncated_by"]!.GetValue<string>());
        var after = await env.StepAsync("list_files");
        Assert.True(after.Observation.IsError);
        Assert.Contains("episode is over", after.Observation.Text);
    }

    [Fact]
    public async Task Wall_clock_budget_truncates_on_the_injected_clock()
    {
        await using var world = new TestWorld();
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var env = await world.ResetAsync(time: time, budgets: new EpisodeBudgets { WallClock = TimeSpan.FromMinutes(10) });
        Assert.False((await env.StepAsync("list_files")).Truncated);
        time.Advance(TimeSpan.FromMinutes(11));
        var late = await env.StepAsync("list_files");
        Assert.True(late.Truncated);
        Assert.Equal("wall-clock", late.Info["truncated_by"]!.GetValue<string>());
    }

    [Fact]
    public async Task Reset_shows_the_task_and_only_the_requested_hints()
    {
        await using var world = new TestWorld();
        await using var env = world.CreateEnvironment();
        var none = await env.ResetAsync(new ResetOptions { TaskId = TestWorld.TaskId });
        Assert.Contains("Tiny test task", none.Observation.Text);
        Assert.Contains("train_gpt.py", none.Observation.Text);
        Assert.DoesNotContain("lr <- 3e-3", none.Observation.Text);
        var withHint = await env.ResetAsync(new ResetOptions { TaskId = TestWorld.TaskId, Hints = HintRegime.L1 });
        Assert.Contains("Hint (L1, pseudocode)", withHint.Observation.Text);
        Assert.Contains("lr <- 3e-3", withHint.Observation.Text);
        Assert.NotEqual(none.Info["episode_id"]!.GetValue<string>(), withHint.Info["episode_id"]!.GetValue<string>());
    }

    [Fact]
    public void Hint_regimes_parse_and_format_round_trip()
    {
        foreach (var regime in HintRegimes.Benchmark)
            Assert.Equal(regime, HintRegimes.Parse(HintRegimes.Format(regime)));
        Assert.Equal("L1+L2+L3", HintRegimes.Format(HintRegimes.Parse("l3+l1+L2")));
        Assert.Throws<FormatException>(() => HintRegimes.Parse("L4"));
    }

    private sealed class ScriptedAgent(IReadOnlyList<ToolCall> calls) : IAgent
    {
        private int _next;
        public string Name => "scripted";
        public Task<ToolCall?> NextAsync(AgentTurn turn, CancellationToken cancellationToken) =>
            Task.FromResult(_next < calls.Count ? calls[_next++] : null);
    }
}
