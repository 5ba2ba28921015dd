using System.Text.Json;
using AgentGym.Agents.Llm;
using AgentGym.Agents.Prompts;
using AgentGym.Agents.Scaffolds;
using AgentGym.Agents.Scripted;
using AgentGym.Agents.Sk;
using AgentGym.Core.Json;
using AgentGym.Core.Tasks;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentGym.Agents;

/// <summary>Everything an agent can be configured with; loadable from a JSON file (snake_case keys).</summary>
public sealed record AgentSettings
{
    public ModelOptions Model { get; init; } = new();
    public ChatAgentOptions Chat { get; init; } = new();
    public ScaffoldOptions Scaffold { get; init; } = new();

    /// <summary>A folder whose files override the built-in prompt templates (see prompts/README.md).</summary>
    public string? PromptsDir { get; init; }

    /// <summary>wait_seconds for each run_status call of the scripted agents.</summary>
    public int RunWaitSeconds { get; init; } = 600;

    /// <summary>Reads a config file; relative paths in it (prompts_dir, model.api_key_file) are relative to the file.</summary>
    public static AgentSettings Load(string path)
    {
        AgentSettings settings;
        try
        {
            settings = JsonSerializer.Deserialize<AgentSettings>(File.ReadAllText(path), JsonDefaults.Options)
                ?? throw new InvalidDataException($"{path}: the file holds null, not an agent configuration.");
        }
        catch (JsonException ex)
        {
            // The serializer's message may quote the offending value; an api_key must not end up in a terminal log.
            throw new InvalidDataException($"{path}: not a valid agent configuration at {ex.Path ?? "(root)"}, line {ex.LineNumber + 1}.");
        }
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string? Rooted(string? p) => p is null || Path.IsPathRooted(p) ? p : Path.Combine(dir, p);
        return settings with
        {
            PromptsDir = Rooted(settings.PromptsDir),
            Model = settings.Model with { ApiKeyFile = Rooted(settings.Model.ApiKeyFile) },
        };
    }
}

/// <summary>Builds the agents by name: sk, flat, tree, forest, aide, multi-aide, oracle, noop.</summary>
public static class GymAgents
{
    public static IReadOnlyList<string> Names { get; } = ["sk", "flat", "tree", "forest", "aide", "multi-aide", "oracle", "noop"];

    /// <summary>An agent whose model is the gym's own OpenAI client, from settings.Model.</summary>
    /// <param name="tasks">Needed by the oracle, which reads the task's L0 diff.</param>
    public static IEpisodeAgent Create(string name, AgentSettings settings, TaskCatalog? tasks = null) =>
        Create(name, settings, tasks, new ChatModelContext(), chat: null);

    /// <summary>
    /// An agent (sk or a scaffold) that talks to your own chat client. settings.Model still gives the temperature,
    /// reasoning effort, output limit and the retry limits; its provider, model id, endpoint and key are not used.
    /// </summary>
    public static IEpisodeAgent Create(string name, AgentSettings settings, AgentChatClient chat, TaskCatalog? tasks = null) =>
        Create(name, settings, tasks, new ChatModelContext(), chat ?? throw new ArgumentNullException(nameof(chat)));

    /// <inheritdoc cref="Create(string, AgentSettings, AgentChatClient, TaskCatalog?)"/>
    public static IEpisodeAgent Create(string name, AgentSettings settings, IChatCompletionService chat, TaskCatalog? tasks = null) =>
        Create(name, settings, AgentChatClient.From(chat), tasks);

    /// <inheritdoc cref="Create(string, AgentSettings, AgentChatClient, TaskCatalog?)"/>
    /// <exception cref="ArgumentException">The client invokes functions itself (UseFunctionInvocation).</exception>
    public static IEpisodeAgent Create(string name, AgentSettings settings, IChatClient chat, TaskCatalog? tasks = null) =>
        Create(name, settings, AgentChatClient.From(chat), tasks);

    internal static IEpisodeAgent Create(string name, AgentSettings settings, TaskCatalog? tasks, ChatModelContext context, AgentChatClient? chat = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var prompts = new PromptLibrary(settings.PromptsDir);
        switch (name)
        {
            case "noop":
                return new NoopAgent(settings.RunWaitSeconds);
            case "oracle":
                return new OracleAgent(tasks ?? throw new ArgumentException("The oracle agent needs the task catalog (it reads each task's L0 diff)."), settings.RunWaitSeconds);
            case "sk":
                return new ChatAgent(Models(settings.Model, context, chat), settings.Chat, prompts);
            default:
                if (ScaffoldKinds.TryParse(name, out var kind))
                    return new SearchScaffold(kind, Models(settings.Model, context, chat), settings.Scaffold, prompts);
                throw new ArgumentException($"Unknown agent '{name}'. Available: {string.Join(", ", Names)}.");
        }
    }

    private static ChatModelFactory Models(ModelOptions model, ChatModelContext context, AgentChatClient? chat)
    {
        if (chat is not null) return seed => ChatModel.Create(chat, model, context with { Seed = seed });
        // Fail now, before an episode starts, when no key can be found or the endpoint is unusable.
        ApiKeys.Resolve(model, context.Environment);
        _ = OpenAIConnection.Endpoint(model);
        return seed => ChatModel.Create(model, context with { Seed = seed });
    }
}
