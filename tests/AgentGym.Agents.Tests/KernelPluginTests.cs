using System.ClientModel;
using AgentGym.Agents.Tests.Samples;
using AgentGym.Core.Gym;
using AgentGym.Core.Trajectories;
using Microsoft.SemanticKernel;
using OpenAI;

namespace AgentGym.Agents.Tests;

/// <summary>A builder's own Semantic Kernel loop drives an episode with GymToolPlugin in a kernel the test builds.</summary>
public sealed class KernelPluginTests
{
    [Fact]
    public async Task A_kernel_with_GymToolPlugin_drives_a_whole_episode_through_the_real_OpenAI_connector()
    {
        await using var world = new AgentTestWorld();
        world.Server.ToolCalls(("gym-read_file", """{"path":"train_gpt.py"}"""));
        world.Server.ToolCalls(("gym-edit_file", """{"path":"train_gpt.py","old_str":"# time_ms: 1000","new_str":"# time_ms: 800"}"""));
        world.Server.ToolCalls(("gym-run_training", "{}"));
        world.Server.ToolCalls(("gym-run_status", """{"run_id":"run-1","wait_seconds":30}"""));
        world.Server.ToolCalls(("gym-submit", """{"run_id":"run-1"}"""));
        world.Server.Text("Submitted run-1.");
        await using var env = world.CreateEnvironment();
        var openAI = new OpenAIClient(new ApiKeyCredential(AgentTestWorld.ApiKey), new OpenAIClientOptions { Endpoint = world.Server.BaseUrl });
        var kernel = Kernel.CreateBuilder().AddOpenAIChatCompletion("test-model", openAI).Build();

        var answer = await ReadmeSamples.DriveAnEpisodeWithYourKernelAsync(kernel, env, new ResetOptions { TaskId = AgentTestWorld.TaskId, Seed = 5 });

        Assert.Equal("Submitted run-1.", answer);
        var steps = TrajectoryReader.Read(env.Episode!.TrajectoryPath).Where(e => e.Kind == TrajectoryEntry.StepKind).ToList();
        Assert.Equal(["read_file", "edit_file", "run_training", "run_status", "submit"], steps.Select(s => s.ToolCall!.Name));
        Assert.All(steps, s => Assert.False(s.Observation.IsError, s.Observation.Text));
        // SK hands every argument over as a string; the plugin restores the schema's types (wait_seconds is an integer).
        Assert.Equal("""{"run_id":"run-1","wait_seconds":30}""", steps[3].ToolCall!.Arguments);
        Assert.True(steps[^1].Terminated);
        Assert.Equal(TestScorer.Reward, steps[^1].Reward);
        var submission = Assert.Single(world.Scorer.Submissions);
        Assert.Contains("# time_ms: 800", submission.Code, StringComparison.Ordinal);
        // The kernel advertised the environment's tools under the plugin's prefix, and sent the observations back.
        var tools = world.Server.Requests[0].Body["tools"]!.AsArray().Select(t => t!["function"]!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(env.Tools.Select(t => "gym-" + t.Name), tools);
        var toolMessage = world.Server.Requests[1].Body["messages"]!.AsArray()[^1]!;
        Assert.Contains("# time_ms: 1000", toolMessage["content"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
