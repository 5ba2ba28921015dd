using System.Text.Json.Nodes;
using AgentGym.Agents.Llm.Tolerance;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Services;

namespace AgentGym.Agents.Llm;

/// <summary>
/// The chat model an agent or scaffold talks to: a Semantic Kernel <see cref="IChatCompletionService"/>, a
/// Microsoft.Extensions.AI <see cref="IChatClient"/> (OllamaSharp's OllamaApiClient, most provider SDKs), or the gym's
/// own OpenAI client from <see cref="ModelOptions"/>. Whatever the client, the gym advertises the environment's tools
/// and executes every call itself (nothing is auto-invoked), counts usage where the client reports it (unknown, not 0,
/// where it does not), normalises each reply (made-up ids, valid JSON sent back) and retries unreadable replies.
/// Hand one to <see cref="GymAgents.Create(string, AgentSettings, AgentChatClient, Core.Tasks.TaskCatalog?)"/>.
/// </summary>
public sealed class AgentChatClient
{
    private readonly string _kind;
    private readonly string? _name;
    private readonly string _type;

    private AgentChatClient(IChatCompletionService service, string kind, string type, string? name, bool isGymClient)
    {
        Service = service;
        _kind = kind;
        _type = type;
        _name = name;
        IsGymClient = isGymClient;
    }

    /// <summary>The service every model call goes through (for an IChatClient: SK's adapter around it).</summary>
    public IChatCompletionService Service { get; }

    /// <summary>True for the client built from ModelOptions, whose model id and endpoint come from the options.</summary>
    internal bool IsGymClient { get; }

    /// <param name="name">Recorded in agent.json as the model (e.g. "llama3.2 via my gateway"); default: the service's model id.</param>
    public static AgentChatClient From(IChatCompletionService service, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        return new AgentChatClient(service, "chat-completion-service", service.GetType().Name, name ?? service.GetModelId(), isGymClient: false);
    }

    /// <summary>
    /// Uses an IChatClient. A client built with UseFunctionInvocation() is refused: it would run the tools itself, and
    /// the gym must execute (and record) every call.
    /// </summary>
    /// <exception cref="ArgumentException">The client invokes functions itself.</exception>
    public static AgentChatClient From(IChatClient client, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (client.GetService<FunctionInvokingChatClient>() is not null)
            throw new ArgumentException("This IChatClient invokes functions itself (UseFunctionInvocation); AgentGym executes every tool call, so pass the client without it.", nameof(client));
#pragma warning disable SKEXP0001 // SK's documented bridge from IChatClient to IChatCompletionService.
        var service = client.AsChatCompletionService();
#pragma warning restore SKEXP0001
        return new AgentChatClient(service, "chat-client", client.GetType().Name, name ?? client.GetService<ChatClientMetadata>()?.DefaultModelId, isGymClient: false);
    }

    /// <summary>The gym's own OpenAI / Azure / OpenAI-compatible client, with the tolerant HTTP layer.</summary>
    /// <exception cref="InvalidOperationException">No API key can be found, or the endpoint is missing.</exception>
    public static AgentChatClient FromOptions(ModelOptions options) => FromOptions(options, Environment.GetEnvironmentVariable);

    internal static AgentChatClient FromOptions(ModelOptions options, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new AgentChatClient(OpenAIConnection.CreateService(options, environment), "openai", "OpenAIChatCompletionService", options.Model, isGymClient: true);
    }

    /// <summary>
    /// An HttpClient handler that repairs OpenAI-style chat completion replies before an SDK reads them (tool-call
    /// arguments as objects, null finish_reason, ...) and turns unreadable ones into <see cref="ModelReplyException"/>.
    /// For a builder's own HttpClient-based OpenAI-compatible client: <c>new HttpClient(AgentChatClient.TolerantHttpHandler())</c>.
    /// </summary>
    public static HttpMessageHandler TolerantHttpHandler(HttpMessageHandler? inner = null) =>
        new ReplyRepairHandler(inner ?? new SocketsHttpHandler());

    /// <summary>What agent.json records about the model: never a key.</summary>
    internal JsonObject Describe(ModelOptions options)
    {
        if (IsGymClient) return options.Describe();
        return new JsonObject
        {
            ["provider"] = "custom",
            ["client"] = _kind,
            ["client_type"] = _type,
            ["model"] = _name,
            ["temperature"] = options.Temperature,
            ["reasoning_effort"] = options.ReasoningEffort,
            ["max_output_tokens"] = options.MaxOutputTokens,
        };
    }
}
