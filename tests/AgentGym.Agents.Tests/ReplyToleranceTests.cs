using System.Text.Json.Nodes;
using AgentGym.Core.Agents;
using AgentGym.Core.Gym;
using AgentGym.Core.Trajectories;

namespace AgentGym.Agents.Tests;

/// <summary>
/// Replies that stray from OpenAI's shape, one case per shape, from a scripted server through the real OpenAI client
/// (SK's OpenAI connector, OpenAI 2.15): each costs one model turn at most, never the episode.
/// </summary>
public sealed class ReplyToleranceTests
{
    private static ResetOptions Reset => new() { TaskId = AgentTestWorld.TaskId, Hints = HintRegime.L1, Seed = 7 };

    private static List<TrajectoryEntry> Steps(EpisodeOutcome outcome) =>
        TrajectoryReader.Read(outcome.Episode.TrajectoryPath).Where(e => e.Kind == TrajectoryEntry.StepKind).ToList();

    private static JsonObject Call(JsonObject completion, int index = 0) =>
        completion["choices"]![0]!["message"]!["tool_calls"]![index]!.AsObject();

    private static JsonNode AgentJson(EpisodeOutcome outcome) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(outcome.Episode.Directory, "agent.json")))!;

    private static List<string> Repairs(TrajectoryEntry step) =>
        step.Info!["agent"]!["reply_repairs"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();

    [Fact]
    public async Task Arguments_sent_as_a_JSON_object_are_taken_as_their_text_and_go_back_as_a_string()
    {
        await using var world = new AgentTestWorld();
        world.Server.Shaped(c => Call(c)["function"]!["arguments"] = new JsonObject { ["path"] = "train_gpt.py" }, ("read_file", "unused"));
        world.Server.ToolCalls(("submit", "{}"));
        await using var env = world.CreateEnvironment();

        var outcome = await world.Agent("sk").RunAsync(env, Reset);

        Assert.True(outcome.Terminated);
        var steps = Steps(outcome);
        Assert.Equal("""{"path":"train_gpt.py"}""", steps[0].ToolCall!.Arguments);
        Assert.False(steps[0].Observation.IsError, steps[0].Observation.Text);
        Assert.Contains("def train", steps[0].Observation.Text, StringComparison.Ordinal);
        Assert.Contains(Repairs(steps[0]), r => r.StartsWith("choices[0].message.tool_calls[0].function.arguments was a JSON object", StringComparison.Ordinal));
        var echoed = world.Server.Requests[1].Body["messages"]!.AsArray().Single(m => m!["tool_calls"] is not null)!["tool_calls"]![0]!["function"]!["arguments"]!;
        Assert.Equal("""{"path":"train_gpt.py"}""", echoed.GetValue<string>());
    }

    [Fact]
    public async Task A_tool_call_without_an_id_gets_the_id_export_would_make_for_its_step()
    {
        await using var world = new AgentTestWorld();
        world.Server.ToolCalls(("list_files", "{}"));
        world.Server.Shaped(c => Call(c).Remove("id"), ("read_file", """{"path":"train_gpt.py"}"""));
        world.Server.ToolCalls(("submit", "{}"));
        await using var env = world.CreateEnvironment();

        var outcome = await world.Agent("sk").RunAsync(env, Reset);

        Assert.True(outcome.Terminated);
        var read = Steps(outcome)[1];
        Assert.Equal(2, read.Step);
        // agentgym export names a step's call "call_{step}" when no id was recorded: the same name, so both agree.
        Assert.Equal("call_2", read.Info!["agent"]!["tool_call_id"]!.GetValue<string>());
        Assert.True(read.Info!["agent"]!["tool_call_id_made_up"]!.GetValue<bool>());
        Assert.False(read.Observation.IsError, read.Observation.Text);
        var messages = world.Server.Requests[2].Body["messages"]!.AsArray();
        Assert.Equal("call_2", messages[^2]!["tool_calls"]![0]!["id"]!.GetValue<string>());
        Assert.Equal("tool", messages[^1]!["role"]!.GetValue<string>());
        Assert.Equal("call_2", messages[^1]!["tool_call_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_null_finish_reason_is_taken_from_the_reply_and_the_call_runs()
    {
        await using var world = new AgentTestWorld();
        world.Server.Shaped(c => c["choices"]![0]!["finish_reason"] = null, ("list_files", "{}"));
        world.Server.ToolCalls(("submit", "{}"));
        await using var env = world.CreateEnvironment();

        var outcome = await world.Agent("sk").RunAsync(env, Reset);

        Assert.True(outcome.Terminated);
        var steps = Steps(outcome);
        Assert.Equal(["list_files", "submit"], steps.Select(s => s.ToolCall!.Name));
        Assert.Contains("choices[0].finish_reason was null or missing; taken as \"tool_calls\"", Repairs(steps[0]));
    }

    [Fact]
    public async Task Empty_or_null_choices_are_retried_as_an_error_naming_the_field()
    {
        await using var world = new AgentTestWorld();
        world.Server.Shaped(c => c["choices"] = new JsonArray(), ("list_files", "{}"));
        world.Server.Shaped(c => c["choices"] = null, ("list_files", "{}"));
        world.Server.ToolCalls(("submit", "{}"));
        await using var env = world.CreateEnvironment();

        var outcome = await world.Agent("sk").RunAsync(env, Reset);

        Assert.True(outcome.Terminated);
        Assert.Equal(["submit"], Steps(outcome).Select(s => s.ToolCall!.Name));
        Assert.Equal(["unreadable reply: choices", "unreadable reply: choices"], world.Retries.Select(r => r.Reason));
        Assert.Equal(3, world.Server.Requests.Count);
    }

    [Fact]
    public async Task A_reply_still_unreadable_after_the_retries_costs_one_turn_and_the_model_is_told_which_field()
    {
        await using var world = new AgentTestWorld();
        world.Server.Shaped(c => c["choices"]![0]!["message"] = null, ("list_files", "{}"));
        world.Server.ToolCalls(("submit", "{}"));
        await using var env = world.CreateEnvironment();
        var settings = world.Settings(m => m with { MaxRetries = 0 });

        var outcome = await world.Agent("sk", settings).RunAsync(env, Reset);

        Assert.True(outcome.Terminated);
        var step = Assert.Single(Steps(outcome));
        var lost = Assert.Single(step.Info!["agent"]!["unreadable_replies"]!.AsArray())!;
        Assert.Equal("choices[0].message", lost["field"]!.GetValue<string>());
        Assert.Equal(2, step.Info!["agent"]!["usage"]!["model_calls"]!.GetValue<int>());
        var told = world.Server.Requests[1].Body["messages"]!.AsArray()[^1]!;
        Assert.Equal("user", told["role"]!.GetValue<string>());
        Assert.Contains("choices[0].message is null or missing", told["content"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, AgentJson(outcome)["unreadable_replies"]!.GetValue<int>());
        Assert.Equal("terminated", AgentJson(outcome)["stop_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Arguments_that_are_not_JSON_stay_raw_in_the_trajectory_but_go_back_to_the_server_as_valid_JSON()
    {
        await using var world = new AgentTestWorld();
        const string broken = """{"path": "train_gpt.py", "old_str": """;
        world.Server.ToolCalls(("edit_file", broken));
        world.Server.ToolCalls(("submit", "{}"));
        await using var env = world.CreateEnvironment();

        var outcome = await world.Agent("sk").RunAsync(env, Reset);

        Assert.True(outcome.Terminated);
        var steps = Steps(outcome);
        Assert.Equal(broken, steps[0].ToolCall!.Arguments);
        Assert.True(steps[0].Observation.IsError);
        Assert.Contains(Repairs(steps[0]), r => r.Contains("not valid JSON", StringComparison.Ordinal));
        // A strict server (vLLM) answers 400 to a history holding arguments that do not parse; these parse.
        var echoed = world.Server.Requests[1].Body["messages"]!.AsArray().Single(m => m!["tool_calls"] is not null)!["tool_calls"]![0]!["function"]!["arguments"]!.GetValue<string>();
        Assert.Equal("{}", echoed);
        Assert.All(world.Server.Requests[1].Body["messages"]!.AsArray().Where(m => m!["tool_calls"] is not null),
            m => Assert.All(m!["tool_calls"]!.AsArray(), c => JsonNode.Parse(c!["function"]!["arguments"]!.GetValue<string>())));
    }

    [Fact]
    public async Task Well_typed_arguments_go_back_with_their_types()
    {
        await using var world = new AgentTestWorld();
        world.Server.ToolCalls(("run_training", "{}"));
        world.Server.ToolCalls(("run_status", """{"run_id":"run-1","wait_seconds":30}"""));
        world.Server.ToolCalls(("submit", """{"run_id":"run-1"}"""));
        await using var env = world.CreateEnvironment();

        var outcome = await world.Agent("sk").RunAsync(env, Reset);

        Assert.True(outcome.Terminated);
        var echoed = world.Server.Requests[2].Body["messages"]!.AsArray().Where(m => m!["tool_calls"] is not null).Last()!["tool_calls"]![0]!["function"]!["arguments"]!.GetValue<string>();
        Assert.Equal("""{"run_id":"run-1","wait_seconds":30}""", echoed);
        Assert.Null(Steps(outcome)[1].Info!["agent"]!["reply_repairs"]);
    }

    [Fact]
    public async Task A_scaffold_loses_one_edit_attempt_to_an_unreadable_reply_not_the_episode()
    {
        await using var world = new AgentTestWorld();
        world.Server.Shaped(c => c["choices"] = new JsonArray());
        world.Server.Text("Plan: faster.\n\n<<<<<<< SEARCH train_gpt.py\n# time_ms: 1000\n=======\n# time_ms: 300\n>>>>>>> REPLACE\n");
        await using var env = world.CreateEnvironment();
        var settings = world.Settings(m => m with { MaxRetries = 0 }) with { Scaffold = new Scaffolds.ScaffoldOptions { MaxNodes = 1 } };

        var outcome = await world.Agent("flat", settings).RunAsync(env, Reset);

        Assert.True(outcome.Terminated);
        Assert.Contains("# time_ms: 300", Assert.Single(world.Scorer.Submissions).Code, StringComparison.Ordinal);
        Assert.Equal(1, AgentJson(outcome)["unreadable_replies"]!.GetValue<int>());
        var told = world.Server.Requests[1].Body["messages"]!.AsArray()[^1]!["content"]!.GetValue<string>();
        Assert.Contains("choices is empty", told, StringComparison.Ordinal);
    }
}
