using AgentGym.Agents.Llm;
using AgentGym.Agents.Sk;
using AgentGym.Core.Agents;
using AgentGym.Core.Gym;
using AgentGym.Core.Tasks;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentGym.Agents.Tests.Samples;

/// <summary>
/// The examples of src/AgentGym.Agents/README.md, compiled by the build and run by OwnClientTests and
/// KernelPluginTests, so the README cannot drift from the API.
/// </summary>
public static class ReadmeSamples
{
    // README: "Your own chat client"
    public static async Task<EpisodeOutcome> RunWithYourOwnClientAsync(
        IChatClient client, IGymEnvironment environment, TaskCatalog tasks, ResetOptions reset, string agent = "sk")
    {
        // settings.Model gives temperature, reasoning effort, output limit and retries; the client gives the model.
        var settings = new AgentSettings { Model = new ModelOptions { Temperature = 0.2, MaxRetries = 3 } };
        // "sk" or a scaffold ("flat", "tree", "forest", "aide", "multi-aide"); an IChatCompletionService works the same.
        IEpisodeAgent episodeAgent = GymAgents.Create(agent, settings, client, tasks);
        return await episodeAgent.RunAsync(environment, reset);
    }

    // README: "Our tools in your kernel"
    public static async Task<string?> DriveAnEpisodeWithYourKernelAsync(Kernel kernel, IGymEnvironment environment, ResetOptions reset)
    {
        var start = await environment.ResetAsync(reset);
        kernel.Plugins.Add(GymToolPlugin.Create(environment)); // the model sees gym-read_file, gym-run_training, gym-submit, ...
        var chat = kernel.GetRequiredService<IChatCompletionService>();
        var history = new ChatHistory("You make the training script reach the target faster. Submit your best run.");
        history.AddUserMessage(start.Observation.Text);
        // Your loop, your kernel: here SK invokes the tools itself; each invocation is one step of the episode.
        var settings = new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() };
        var reply = await chat.GetChatMessageContentAsync(history, settings, kernel);
        return reply.Content;
    }
}
