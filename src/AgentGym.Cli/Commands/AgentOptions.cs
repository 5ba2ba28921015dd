using System.CommandLine;
using System.Globalization;
using AgentGym.Agents;
using AgentGym.Agents.Llm;

namespace AgentGym.Cli.Commands;

/// <summary>
/// The `agentgym episode` options that configure LLM agents and scaffolds. Command-line values override the --config
/// file, which overrides the defaults. The API key itself is never an option (it would land in shell history and
/// process lists): it comes from the variable named by --api-key-env, AGENTGYM_API_KEY / OPENAI_API_KEY, or the config.
/// </summary>
internal sealed class AgentOptions
{
    public Option<string?> Config { get; } = new("--config") { Description = "Agent configuration file (JSON: model, chat, scaffold, prompts_dir)." };
    public Option<string?> Provider { get; } = new("--provider") { Description = "openai, azure or openai-compatible (vLLM, Ollama)." };
    public Option<string?> Model { get; } = new("--model") { Description = "Model id (Azure: deployment name)." };
    public Option<string?> Endpoint { get; } = new("--endpoint") { Description = "Base URL, e.g. http://localhost:8000/v1 (implies openai-compatible unless --provider says otherwise)." };
    public Option<string?> ApiKeyEnv { get; } = new("--api-key-env") { Description = "Name of the environment variable holding the API key." };
    public Option<double?> Temperature { get; } = new("--temperature") { Description = "Sampling temperature." };
    public Option<string?> ReasoningEffort { get; } = new("--reasoning-effort") { Description = "minimal, low, medium or high (reasoning models)." };
    public Option<string?> Prompts { get; } = new("--prompts") { Description = "Folder of prompt templates overriding the built-in ones." };

    public IEnumerable<Option> All => [Config, Provider, Model, Endpoint, ApiKeyEnv, Temperature, ReasoningEffort, Prompts];

    public AgentSettings Build(ParseResult parse)
    {
        var settings = parse.GetValue(Config) is { } config ? AgentSettings.Load(config) : new AgentSettings();
        var model = settings.Model;
        if (parse.GetValue(Endpoint) is { } endpoint)
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)) throw new ArgumentException($"--endpoint '{endpoint}' is not an absolute URL.");
            model = model with { Endpoint = uri, Provider = model.Provider == ModelProvider.OpenAI ? ModelProvider.OpenAICompatible : model.Provider };
        }
        if (parse.GetValue(Provider) is { } provider)
        {
            if (!ModelProviders.TryParse(provider, out var p)) throw new ArgumentException($"Unknown provider '{provider}'; use openai, azure or openai-compatible.");
            model = model with { Provider = p };
        }
        if (parse.GetValue(Model) is { } id) model = model with { Model = id };
        if (parse.GetValue(ApiKeyEnv) is { } variable) model = model with { ApiKeyEnvironmentVariable = variable, ApiKey = null, ApiKeyFile = null };
        if (parse.GetValue(Temperature) is { } t) model = model with { Temperature = t };
        if (parse.GetValue(ReasoningEffort) is { } effort)
        {
            if (effort is not ("minimal" or "low" or "medium" or "high"))
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--reasoning-effort '{effort}': use minimal, low, medium or high."));
            model = model with { ReasoningEffort = effort };
        }
        return settings with { Model = model, PromptsDir = parse.GetValue(Prompts) ?? settings.PromptsDir };
    }
}
