using System.Text.Json.Nodes;
using AgentGym.Agents.Llm.Tolerance;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using Polly;

namespace AgentGym.Agents.Llm;

/// <summary>
/// The chat model of one episode: an <see cref="AgentChatClient"/> (the gym's OpenAI client or a builder's own),
/// the one retry layer (<see cref="ChatRetry"/>) and the tolerant reply layer around every call. A reply that stays
/// unreadable after the retries is returned as a turn with an error, never thrown: it costs a model turn, not the episode.
/// </summary>
internal sealed class ChatModel
{
    private readonly AgentChatClient _client;
    private readonly ResiliencePipeline _pipeline;

    private ChatModel(AgentChatClient client, ModelOptions options, ResiliencePipeline pipeline)
    {
        _client = client;
        Options = options;
        _pipeline = pipeline;
    }

    public ModelOptions Options { get; }

    /// <summary>What agent.json records about the model (no key).</summary>
    public JsonObject Describe() => _client.Describe(Options);

    public static ChatModel Create(ModelOptions options, ChatModelContext context) =>
        Create(AgentChatClient.FromOptions(options, context.Environment), options, context);

    public static ChatModel Create(AgentChatClient client, ModelOptions options, ChatModelContext context) =>
        new(client, options, ChatRetry.Build(options, context));

    /// <summary>
    /// The request settings. A builder's client keeps its own model id (the options' default would override it);
    /// temperature, reasoning effort, output limit and seed apply to every client.
    /// </summary>
    public OpenAIPromptExecutionSettings Settings(int seed, FunctionChoiceBehavior? functions) => new()
    {
        ModelId = _client.IsGymClient ? Options.Model : null,
        Temperature = Options.Temperature,
        ReasoningEffort = Options.ReasoningEffort,
        MaxTokens = Options.MaxOutputTokens,
        Seed = seed,
        FunctionChoiceBehavior = functions,
    };

    /// <summary>One model call with retries; the reply normalised for the loop.</summary>
    /// <param name="nextStep">The step number the reply's first tool call would become (for made-up ids).</param>
    public async Task<ModelTurn> CompleteAsync(ChatHistory history, PromptExecutionSettings settings, Kernel? kernel, int nextStep, CancellationToken cancellationToken)
    {
        try
        {
            var (reply, repairs) = await _pipeline.ExecuteAsync(async token =>
            {
                var notes = ReplyRepairs.Begin();
                var replies = await _client.Service.GetChatMessageContentsAsync(history, settings, kernel, token).ConfigureAwait(false);
                if (replies.Count == 0 || replies[0] is null) throw new ModelReplyException("choices", "is empty or null");
                List<string> copy;
                lock (notes) copy = [.. notes];
                return (replies[0], copy);
            }, cancellationToken).ConfigureAwait(false);
            return ReplyNormalizer.Normalize(reply, nextStep, repairs);
        }
        catch (Exception ex) when (ChatRetry.Unreadable(ex) is { } unreadable && !cancellationToken.IsCancellationRequested)
        {
            return new ModelTurn(null, null, [], TokenUsage.Unknown, [], unreadable);
        }
    }
}

/// <summary>What a chat model needs from its surroundings; tests swap time, environment variables and delays.</summary>
internal sealed record ChatModelContext
{
    public int Seed { get; init; } = 1;
    public TimeProvider Time { get; init; } = TimeProvider.System;
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;
    public TimeSpan BaseRetryDelay { get; init; } = TimeSpan.FromSeconds(2);
    public Action<RetryEvent>? OnRetry { get; init; }
}
