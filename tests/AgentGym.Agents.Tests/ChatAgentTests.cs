using System.Text.Json.Nodes;
using AgentGym.Core.Gym;
using AgentGym.Core.Trajectories;
using AgentGym.Agents.Sk;
using Microsoft.SemanticKernel;

namespace AgentGym.Agents.Tests;

/// <summary>The tool-calling agent through the real OpenAI client, over HTTP, against a scripted server.</summary>
public sealed class ChatAgentTests
{
    private static ResetOptions Reset => new() { TaskId = AgentTestWorld.TaskId, Hints = HintRegime.L1, Seed = 7 };

    [Fact]
    public async Task A_recorded_conversation_reaches_the_environment_as_those_calls_and_ends_with_the_scorers_reward()
    {
        await using var world = new AgentTestWorld();
        var calls = new (string Name, string Arguments)[]
        {
            ("read_file", """{"path":"train_gpt.py"}"""),
            ("edit_file", """{"path":"train_gpt.py","old_str":"# time_ms: 1000","new_str":"# time_ms: 800"}"""),
            ("run_training", "{}"),
            ("run_status", """{"run_id":"run-1","wait_seconds":30}"""),
            ("submit", """{"run_id":"run-1"}"""),
        };
        foreach (var call in calls) world.Server.ToolCalls(call);
        await using var env = world.CreateEnvironment();

        var outcome = await world.Agent("sk").RunAsync(env, Reset);

        Assert.True(outcome.Terminated);
        Assert.Equal(5, outcome.Steps);
        Assert.Equal(TestScorer.Reward, outcome.TotalReward);
        var submission = Assert.Single(world.Scorer.Submissions);
        Assert.Equal("run-1", submission.RunId);
        Assert.Contains("# time_ms: 800", submission.Code, StringComparison.Ordinal);

        var steps = TrajectoryReader.Read(outcome.Episode.TrajectoryPath).Where(e => e.Kind == TrajectoryEntry.StepKind).ToList();
        Assert.Equal(calls.Select(c => c.Name), steps.Select(s => s.ToolCall!.Name));
        Assert.Equal(calls.Select(c => c.Arguments), steps.Select(s => s.ToolCall!.Arguments)); // byte for byte
        Assert.All(steps.Take(4), s => Assert.False(s.Observation.IsError, s.Observation.Text));
        Assert.Equal(TestScorer.Reward, steps[^1].Reward);

        // Usage: each step carries the usage of the model call that produced it; agent.json has the total.
        Assert.All(steps, s => Assert.Equal(1, s.Info!["agent"]!["usage"]!["model_calls"]!.GetValue<int>()));
        Assert.Equal(101, steps[0].Info!["agent"]!["usage"]!["input_tokens"]!.GetValue<long>());
        Assert.Equal(3, steps[0].Info!["agent"]!["usage"]!["reasoning_tokens"]!.GetValue<long>());
        Assert.Equal("sk", steps[0].Info!["agent"]!["agent"]!.GetValue<string>());
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(outcome.Episode.Directory, "agent.json")))!;
        Assert.Equal("terminated", summary["stop_reason"]!.GetValue<string>());
        Assert.Equal(5, summary["usage"]!["model_calls"]!.GetValue<int>());
        Assert.Equal(101 + 102 + 103 + 104 + 105, summary["usage"]!["input_tokens"]!.GetValue<long>());

        // The wire: the tools advertised are the environment's, the observations go back as tool messages.
        Assert.Equal(5, world.Server.Requests.Count);
        var first = world.Server.Requests[0].Body;
        var tools = first["tools"]!.AsArray().Select(t => t!["function"]!).ToList();
        Assert.Equal(env.Tools.Select(t => t.Name), tools.Select(t => t["name"]!.GetValue<string>()));
        var editTool = tools.Single(t => t["name"]!.GetValue<string>() == "edit_file");
        var editDescriptor = env.Tools.Single(t => t.Name == "edit_file");
        Assert.Equal(editDescriptor.Description, editTool["description"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(editDescriptor.ParametersSchema["properties"], editTool["parameters"]!["properties"]));
        Assert.Equal(["path", "old_str", "new_str"], editTool["parameters"]!["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("test-model", first["model"]!.GetValue<string>());
        Assert.Equal(0.2, first["temperature"]!.GetValue<double>(), 6);
        Assert.Equal(7, first["seed"]!.GetValue<int>());
        var messages = first["messages"]!.AsArray();
        Assert.Equal("system", messages[0]!["role"]!.GetValue<string>());
        var taskPrompt = messages[1]!["content"]!.GetValue<string>();
        Assert.Contains("Hint regime: L1", taskPrompt, StringComparison.Ordinal);
        Assert.Contains("time_ms <- time_ms / 2", taskPrompt, StringComparison.Ordinal);

        var second = world.Server.Requests[1].Body["messages"]!.AsArray();
        var toolMessage = second[^1]!;
        Assert.Equal("tool", toolMessage["role"]!.GetValue<string>());
        Assert.Equal("call_1_0", toolMessage["tool_call_id"]!.GetValue<string>());
        Assert.Contains("# time_ms: 1000", toolMessage["content"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("call_1_0", second[^2]!["tool_calls"]![0]!["id"]!.GetValue<string>());
        Assert.Equal("Bearer " + AgentTestWorld.ApiKey, world.Server.Requests[0].Headers["Authorization"]);
    }

    [Fact]
    public async Task A_429_with_Retry_After_is_retried_after_the_servers_delay_and_the_episode_goes_on()
    {
        await using var world = new AgentTestWorld();
        world.Server.Error(429, new Dictionary<string, string> { ["Retry-After"] = "1" });
        world.Server.ToolCalls(("submit", "{}"));
        await using var env = world.CreateEnvironment();

        var outcome = await world.Agent("sk").RunAsync(env, Reset);

        Assert.True(outcome.Terminated);
        Assert.Equal(2, world.Server.Requests.Count);
        var retry = Assert.Single(world.Retries);
        Assert.Equal(429, retry.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), retry.Delay);
        Assert.True(world.Server.Requests[1].At - world.Server.Requests[0].At >= TimeSpan.FromMilliseconds(900));
    }

    [Fact]
    public async Task Retries_are_bounded_and_not_multiplied_by_the_clients_own_retries()
    {
        await using var world = new AgentTestWorld();
        for (var i = 0; i < 10; i++) world.Server.Error(503);
        await using var env = world.CreateEnvironment();
        var settings = world.Settings(m => m with { MaxRetries = 2 });

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => world.Agent("sk", settings).RunAsync(env, Reset));

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ex.StatusCode);
        Assert.Equal(3, world.Server.Requests.Count); // 1 attempt + 2 retries, not (1 + 2) x the client's 3
        Assert.Equal(2, world.Retries.Count);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(env.Episode!.Directory, "agent.json")))!;
        Assert.Equal("model_error", summary["stop_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Max_retries_zero_means_one_attempt_not_a_crash_at_start_up()
    {
        await using var world = new AgentTestWorld();
        world.Server.Error(503);
        world.Server.ToolCalls(("submit", "{}"));
        await using var env = world.CreateEnvironment();
        var settings = world.Settings(m => m with { MaxRetries = 0 });

        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => world.Agent("sk", settings).RunAsync(env, Reset));

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ex.StatusCode);
        Assert.Single(world.Server.Requests);
        Assert.Empty(world.Retries);
    }

    [Fact]
    public async Task A_request_that_outlives_the_network_timeout_is_abandoned_and_retried()
    {
        await using var world = new AgentTestWorld();
        world.Server.Enqueue(new FakeOpenAIServer.Reply(200, new Dictionary<string, string>(), _ => new JsonObject()) { Delay = TimeSpan.FromSeconds(5) });
        world.Server.ToolCalls(("submit", "{}"));
        await using var env = world.CreateEnvironment();
        var settings = world.Settings(m => m with { RequestTimeoutSeconds = 1 });

        var outcome = await world.Agent("sk", settings).RunAsync(env, Reset);

        Assert.True(outcome.Terminated);
        Assert.Equal(2, world.Server.Requests.Count);
        var retry = Assert.Single(world.Retries);
        Assert.Null(retry.StatusCode);
        Assert.Equal("the request timed out", retry.Reason);
    }

    [Fact]
    public async Task Azure_uses_the_v1_path_and_the_api_key_header()
    {
        await using var world = new AgentTestWorld();
        world.Server.ToolCalls(("submit", "{}"));
        await using var env = world.CreateEnvironment();
        var root = new Uri(world.Server.BaseUrl.GetLeftPart(UriPartial.Authority) + "/");
        var settings = world.Settings(m => m with { Provider = Llm.ModelProvider.Azure, Endpoint = root, Model = "my-deployment" });

        var outcome = await world.Agent("sk", settings).RunAsync(env, Reset);

        Assert.True(outcome.Terminated);
        var request = Assert.Single(world.Server.Requests);
        Assert.Equal("/openai/v1/chat/completions", request.Path);
        Assert.Equal(AgentTestWorld.ApiKey, request.Headers["api-key"]);
        Assert.False(request.Headers.ContainsKey("Authorization"));
        Assert.Equal("my-deployment", request.Body["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_400_is_not_retried()
    {
        await using var world = new AgentTestWorld();
        world.Server.Error(400);
        await using var env = world.CreateEnvironment();
        await Assert.ThrowsAsync<HttpOperationException>(() => world.Agent("sk").RunAsync(env, Reset));
        Assert.Single(world.Server.Requests);
        Assert.Empty(world.Retries);
    }

    [Fact]
    public async Task A_malformed_tool_call_argument_becomes_an_error_observation_and_the_loop_goes_on()
    {
        await using var world = new AgentTestWorld();
        const string broken = """{"path": "train_gpt.py", "old_str": """;
        world.Server.ToolCalls(("edit_file", broken), ("list_files", "{}"));
        world.Server.ToolCalls(("no_such_tool", "{}"));
        world.Server.Text("I think I am done.");
        world.Server.ToolCalls(("submit", "{}"));
        await using var env = world.CreateEnvironment();

        var outcome = await world.Agent("sk").RunAsync(env, Reset);

        Assert.True(outcome.Terminated);
        var steps = TrajectoryReader.Read(outcome.Episode.TrajectoryPath).Where(e => e.Kind == TrajectoryEntry.StepKind).ToList();
        Assert.Equal(["edit_file", "list_files", "no_such_tool", "submit"], steps.Select(s => s.ToolCall!.Name));
        Assert.Equal(broken, steps[0].ToolCall!.Arguments);
        Assert.True(steps[0].Observation.IsError);
        Assert.Contains("not valid JSON", steps[0].Observation.Text, StringComparison.Ordinal);
        Assert.False(steps[1].Observation.IsError);
        Assert.True(steps[2].Observation.IsError);
        // Two calls from one model turn: the first carries the turn's usage, the second does not count it again.
        Assert.NotNull(steps[0].Info!["agent"]!["usage"]);
        Assert.Null(steps[1].Info!["agent"]!["usage"]);
        Assert.Equal(steps[0].Info!["agent"]!["model_turn"]!.GetValue<int>(), steps[1].Info!["agent"]!["model_turn"]!.GetValue<int>());
        // The text-only turn's usage rides on the next step.
        Assert.Equal(2, steps[3].Info!["agent"]!["usage"]!["model_calls"]!.GetValue<int>());

        // The model saw the error as the function result, and was nudged after answering without a tool call.
        var secondRequest = world.Server.Requests[1].Body["messages"]!.AsArray();
        var toolResults = secondRequest.Where(m => m!["role"]!.GetValue<string>() == "tool").ToList();
        Assert.Equal(2, toolResults.Count);
        Assert.Contains("Invalid arguments for edit_file", toolResults[0]!["content"]!.GetValue<string>(), StringComparison.Ordinal);
        var fourthRequest = world.Server.Requests[3].Body["messages"]!.AsArray();
        Assert.Equal("user", fourthRequest[^1]!["role"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_agent_stops_at_the_turn_limit_without_an_exception()
    {
        await using var world = new AgentTestWorld();
        for (var i = 0; i < 3; i++) world.Server.ToolCalls(("list_files", "{}"));
        await using var env = world.CreateEnvironment();
        var settings = world.Settings() with { Chat = new ChatAgentOptions { MaxTurns = 3 } };

        var outcome = await world.Agent("sk", settings).RunAsync(env, Reset);

        Assert.False(outcome.Terminated);
        Assert.Equal(3, outcome.Steps);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(outcome.Episode.Directory, "agent.json")))!;
        Assert.Equal("turn_limit", summary["stop_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Old_observations_are_shortened_in_the_chat_but_kept_whole_in_the_trajectory()
    {
        await using var world = new AgentTestWorld();
        world.Server.ToolCalls(("read_file", """{"path":"train_gpt.py"}"""));
        world.Server.ToolCalls(("list_files", "{}"));
        world.Server.ToolCalls(("submit", "{}"));
        await using var env = world.CreateEnvironment();
        var settings = world.Settings() with { Chat = new ChatAgentOptions { KeepFullObservations = 1, ElidedObservationChars = 20 } };

        var outcome = await world.Agent("sk", settings).RunAsync(env, Reset);

        var third = world.Server.Requests[2].Body["messages"]!.AsArray().Where(m => m!["role"]!.GetValue<string>() == "tool").ToList();
        var old = third[0]!["content"]!.GetValue<string>();
        Assert.EndsWith(ChatAgent.ElisionNote, old, StringComparison.Ordinal);
        Assert.DoesNotContain("def train", old, StringComparison.Ordinal);
        Assert.DoesNotContain(ChatAgent.ElisionNote, third[1]!["content"]!.GetValue<string>(), StringComparison.Ordinal);
        var read = TrajectoryReader.Read(outcome.Episode.TrajectoryPath).First(e => e.ToolCall?.Name == "read_file");
        Assert.Contains("def train", read.Observation.Text, StringComparison.Ordinal);
    }
}
