using System.ClientModel;
using System.Text.Json.Nodes;
using AgentGym.Agents.Llm;
using AgentGym.Agents.Scaffolds;
using AgentGym.Agents.Tests.Samples;
using AgentGym.Core.Agents;
using AgentGym.Core.Gym;
using AgentGym.Core.Trajectories;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using OllamaSharp;
using OpenAI;

namespace AgentGym.Agents.Tests;

/// <summary>Agents and scaffolds over a builder's own IChatClient or IChatCompletionService.</summary>
public sealed class OwnClientTests
{
    private static ResetOptions Reset => new() { TaskId = AgentTestWorld.TaskId, Hints = HintRegime.L1, Seed = 7 };

    private static List<TrajectoryEntry> Steps(EpisodeOutcome outcome) =>
        TrajectoryReader.Read(outcome.Episode.TrajectoryPath).Where(e => e.Kind == TrajectoryEntry.StepKind).ToList();

    private static JsonNode AgentJson(EpisodeOutcome outcome) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(outcome.Episode.Directory, "agent.json")))!;

    [Fact]
    public async Task The_sk_agent_runs_on_a_scripted_IChatClient_and_the_gym_executes_every_call()
    {
        await using var world = new AgentTestWorld();
        var client = new ScriptedChatClient()
            .Call("read_file", """{"path":"train_gpt.py"}""", "a1")
            .Call("edit_file", """{"path":"train_gpt.py","old_str":"# time_ms: 1000","new_str":"# time_ms: 800"}""", "a2")
            .Call("run_training", "{}", "a3")
            .Call("run_status", """{"run_id":"run-1","wait_seconds":30}""", "a4")
            .Call("submit", """{"run_id":"run-1"}""", "a5");
        await using var env = world.CreateEnvironment();

        var outcome = await ReadmeSamples.RunWithYourOwnClientAsync(client, env, world.Tasks, Reset);

        Assert.True(outcome.Terminated);
        Assert.Equal(TestScorer.Reward, outcome.TotalReward);
        var steps = Steps(outcome);
        Assert.Equal(["read_file", "edit_file", "run_training", "run_status", "submit"], steps.Select(s => s.ToolCall!.Name));
        Assert.Equal("""{"run_id":"run-1","wait_seconds":30}""", steps[3].ToolCall!.Arguments);
        Assert.Equal(["a1", "a2", "a3", "a4", "a5"], steps.Select(s => s.Info!["agent"]!["tool_call_id"]!.GetValue<string>()));
        Assert.Contains("# time_ms: 800", Assert.Single(world.Scorer.Submissions).Code, StringComparison.Ordinal);

        // The client was offered the environment's tools, kept its own model id and got the options' temperature.
        var (_, options) = client.Requests[0];
        Assert.Equal(env.Tools.Select(t => t.Name), options!.Tools!.Select(t => t.Name));
        Assert.Null(options.ModelId);
        Assert.Equal(0.2f, options.Temperature);
        Assert.Equal(7, options.Seed);
        // The gym answered the call itself: the next request ends with the observation of read_file for call a1.
        var result = client.Requests[1].Messages[^1].Contents.OfType<FunctionResultContent>().Single();
        Assert.Equal("a1", result.CallId);
        Assert.Contains("# time_ms: 1000", result.Result?.ToString(), StringComparison.Ordinal);

        // No usage reported: unknown, not zero.
        var usage = steps[0].Info!["agent"]!["usage"]!;
        Assert.Equal(1, usage["model_calls"]!.GetValue<int>());
        Assert.Null(usage["input_tokens"]);
        Assert.Equal(1, usage["calls_without_usage"]!.GetValue<int>());
        var summary = AgentJson(outcome);
        Assert.Null(summary["usage"]!["output_tokens"]);
        Assert.Equal(5, summary["usage"]!["calls_without_usage"]!.GetValue<int>());
        Assert.Equal("custom", summary["model"]!["provider"]!.GetValue<string>());
        Assert.Equal("scripted-model", summary["model"]!["model"]!.GetValue<string>());
        Assert.Equal("ScriptedChatClient", summary["model"]!["client_type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Usage_is_counted_where_the_client_reports_it()
    {
        await using var world = new AgentTestWorld();
        var client = new ScriptedChatClient().Call("submit", "{}", usage: new UsageDetails { InputTokenCount = 40, OutputTokenCount = 5, TotalTokenCount = 45 });
        await using var env = world.CreateEnvironment();

        var outcome = await world.Agent("sk", AgentChatClient.From(client)).RunAsync(env, Reset);

        var usage = Assert.Single(Steps(outcome)).Info!["agent"]!["usage"]!;
        Assert.Equal(40, usage["input_tokens"]!.GetValue<long>());
        Assert.Equal(5, usage["output_tokens"]!.GetValue<long>());
        Assert.Null(usage["calls_without_usage"]);
    }

    [Fact]
    public async Task The_tolerant_layer_covers_a_builders_client_empty_replies_are_retried_and_missing_ids_made_up()
    {
        await using var world = new AgentTestWorld();
        var client = new ScriptedChatClient().Empty().Call("list_files", "{}", callId: "").Call("submit", "{}", callId: "s");
        await using var env = world.CreateEnvironment();

        var outcome = await world.Agent("sk", AgentChatClient.From(client)).RunAsync(env, Reset);

        Assert.True(outcome.Terminated);
        Assert.Equal("unreadable reply: choices", Assert.Single(world.Retries).Reason);
        var steps = Steps(outcome);
        Assert.Equal("call_1", steps[0].Info!["agent"]!["tool_call_id"]!.GetValue<string>());
        var answered = client.Requests[2].Messages[^1].Contents.OfType<FunctionResultContent>().Single();
        Assert.Equal("call_1", answered.CallId);
    }

    [Fact]
    public void A_client_that_invokes_functions_itself_is_refused()
    {
        using var invoking = new ChatClientBuilder(new ScriptedChatClient()).UseFunctionInvocation().Build();
        var ex = Assert.Throws<ArgumentException>(() => GymAgents.Create("sk", new AgentSettings(), invoking));
        Assert.Contains("UseFunctionInvocation", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_scaffold_runs_on_a_builders_client()
    {
        await using var world = new AgentTestWorld();
        var client = new ScriptedChatClient().Text("Plan: halve the time.\n\n<<<<<<< SEARCH train_gpt.py\n# time_ms: 1000\n=======\n# time_ms: 400\n>>>>>>> REPLACE\n");
        await using var env = world.CreateEnvironment();
        var settings = world.Settings() with { Scaffold = new ScaffoldOptions { MaxNodes = 1 } };

        var outcome = await world.Agent("flat", AgentChatClient.From(client), settings).RunAsync(env, Reset);

        Assert.True(outcome.Terminated);
        Assert.Contains("# time_ms: 400", Assert.Single(world.Scorer.Submissions).Code, StringComparison.Ordinal);
        Assert.Null(client.Requests[0].Options!.Tools);
        Assert.Equal("custom", AgentJson(outcome)["model"]!["provider"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_builders_Semantic_Kernel_OpenAI_service_gets_made_up_ids_for_calls_without_one()
    {
        await using var world = new AgentTestWorld();
        world.Server.Shaped(c => c["choices"]![0]!["message"]!["tool_calls"]![0]!.AsObject().Remove("id"), ("list_files", "{}"));
        world.Server.ToolCalls(("submit", "{}"));
        await using var env = world.CreateEnvironment();
        var openAI = new OpenAIClient(new ApiKeyCredential(AgentTestWorld.ApiKey), new OpenAIClientOptions { Endpoint = world.Server.BaseUrl });
        var service = new OpenAIChatCompletionService("builders-model", openAI);

        var outcome = await world.Agent("sk", AgentChatClient.From(service)).RunAsync(env, Reset);

        Assert.True(outcome.Terminated);
        Assert.Equal("call_1", Steps(outcome)[0].Info!["agent"]!["tool_call_id"]!.GetValue<string>());
        Assert.Equal("builders-model", world.Server.Requests[0].Body["model"]!.GetValue<string>());
        Assert.Equal("call_1", world.Server.Requests[1].Body["messages"]!.AsArray()[^1]!["tool_call_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_builders_HttpClient_with_the_tolerant_handler_gets_the_HTTP_repairs_too()
    {
        await using var world = new AgentTestWorld();
        world.Server.Shaped(c =>
        {
            var call = c["choices"]![0]!["message"]!["tool_calls"]![0]!;
            call["function"]!["arguments"] = new JsonObject { ["path"] = "train_gpt.py" };
            c["choices"]![0]!["finish_reason"] = null;
        }, ("read_file", "unused"));
        world.Server.ToolCalls(("submit", "{}"));
        await using var env = world.CreateEnvironment();
        using var http = new HttpClient(AgentChatClient.TolerantHttpHandler());
        var openAI = new OpenAIClient(new ApiKeyCredential(AgentTestWorld.ApiKey), new OpenAIClientOptions
        {
            Endpoint = world.Server.BaseUrl,
            Transport = new System.ClientModel.Primitives.HttpClientPipelineTransport(http),
        });

        var outcome = await world.Agent("sk", AgentChatClient.From(new OpenAIChatCompletionService("builders-model", openAI))).RunAsync(env, Reset);

        Assert.True(outcome.Terminated);
        var read = Steps(outcome)[0];
        Assert.Equal("""{"path":"train_gpt.py"}""", read.ToolCall!.Arguments);
        Assert.Equal(2, read.Info!["agent"]!["reply_repairs"]!.AsArray().Count);
    }

    [Fact]
    public async Task OllamaSharp_against_an_Ollama_style_server_drives_an_episode_with_usage_counted()
    {
        await using var world = new AgentTestWorld();
        await using var ollama = new FakeOllamaServer();
        ollama.ToolCall("read_file", new JsonObject { ["path"] = "train_gpt.py" });
        ollama.ToolCall("submit", new JsonObject());
        await using var env = world.CreateEnvironment();
        using var client = new OllamaApiClient(ollama.BaseUrl, "llama-test");

        var outcome = await ReadmeSamples.RunWithYourOwnClientAsync(client, env, world.Tasks, Reset);

        Assert.True(outcome.Terminated);
        var steps = Steps(outcome);
        Assert.Equal(["read_file", "submit"], steps.Select(s => s.ToolCall!.Name));
        Assert.Equal("""{"path":"train_gpt.py"}""", steps[0].ToolCall!.Arguments);
        Assert.False(steps[0].Observation.IsError, steps[0].Observation.Text);
        var usage = steps[0].Info!["agent"]!["usage"]!;
        Assert.Equal(30, usage["input_tokens"]!.GetValue<long>());
        Assert.Equal(7, usage["output_tokens"]!.GetValue<long>());
        Assert.All(ollama.Requests, r => Assert.Equal("/api/chat", r.Path));
        Assert.Equal("llama-test", ollama.Requests[0].Body["model"]!.GetValue<string>());
        Assert.Equal(env.Tools.Select(t => t.Name), ollama.Requests[0].Body["tools"]!.AsArray().Select(t => t!["function"]!["name"]!.GetValue<string>()));
        var last = ollama.Requests[1].Body["messages"]!.AsArray()[^1]!;
        Assert.Equal("tool", last["role"]!.GetValue<string>());
        Assert.Contains("# time_ms: 1000", last["content"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
