using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Net;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using OpenAI;
using Polly;
using Polly.Retry;

namespace AgentGym.Agents.Llm;

/// <summary>Why a retry happened and how long it waited; for logs and tests.</summary>
internal readonly record struct RetryEvent(int Attempt, int? StatusCode, TimeSpan Delay, string Reason);

/// <summary>
/// A chat model reached through Semantic Kernel's OpenAI connector, with one retry layer: the OpenAI client's own
/// retries are switched off (ClientRetryPolicy with 0 retries) and its NetworkTimeout bounds each attempt, so that the
/// Polly pipeline alone decides, honouring Retry-After, and the two layers never multiply.
/// </summary>
internal sealed class ChatModel
{
    private readonly IChatCompletionService _service;
    private readonly ResiliencePipeline _pipeline;

    private ChatModel(ModelOptions options, IChatCompletionService service, ResiliencePipeline pipeline)
    {
        Options = options;
        _service = service;
        _pipeline = pipeline;
    }

    public ModelOptions Options { get; }

    public static ChatModel Create(ModelOptions options, ChatModelContext context)
    {
        var key = ApiKeys.Resolve(options, context.Environment);
        var clientOptions = new OpenAIClientOptions
        {
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = TimeSpan.FromSeconds(options.RequestTimeoutSeconds),
            UserAgentApplicationId = "agentgym",
        };
        if (Endpoint(options) is { } endpoint) clientOptions.Endpoint = endpoint;
        var credential = new ApiKeyCredential(key);
        // Azure's v1 API authenticates with an api-key header; everyone else takes a bearer token.
        // The policy constructor is marked experimental (OPENAI001) but is the documented way to change the header.
#pragma warning disable OPENAI001
        var client = options.Provider == ModelProvider.Azure
            ? new OpenAIClient(ApiKeyAuthenticationPolicy.CreateHeaderApiKeyPolicy(credential, "api-key"), clientOptions)
            : new OpenAIClient(credential, clientOptions);
#pragma warning restore OPENAI001
        var service = new OpenAIChatCompletionService(options.Model, client);
        return new ChatModel(options, service, BuildPipeline(options, context));
    }

    internal static Uri? Endpoint(ModelOptions options)
    {
        switch (options.Provider)
        {
            case ModelProvider.Azure:
                var e = options.Endpoint ?? throw new InvalidOperationException("Azure OpenAI needs an endpoint, e.g. https://RESOURCE.openai.azure.com/.");
                var path = e.AbsolutePath.TrimEnd('/');
                return path.EndsWith("/openai/v1", StringComparison.OrdinalIgnoreCase)
                    ? new Uri(e.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/")
                    : new Uri(e.GetLeftPart(UriPartial.Authority) + path + "/openai/v1/");
            case ModelProvider.OpenAICompatible:
                return options.Endpoint ?? throw new InvalidOperationException("An OpenAI-compatible provider needs an endpoint, e.g. http://localhost:8000/v1.");
            default:
                return options.Endpoint;
        }
    }

    public OpenAIPromptExecutionSettings Settings(int seed, FunctionChoiceBehavior? functions) => new()
    {
        ModelId = Options.Model,
        Temperature = Options.Temperature,
        ReasoningEffort = Options.ReasoningEffort,
        MaxTokens = Options.MaxOutputTokens,
        Seed = seed,
        FunctionChoiceBehavior = functions,
    };

    public async Task<ChatMessageContent> CompleteAsync(ChatHistory history, OpenAIPromptExecutionSettings settings, Kernel? kernel, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(
            async token => await _service.GetChatMessageContentAsync(history, settings, kernel, token).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);

    private static ResiliencePipeline BuildPipeline(ModelOptions options, ChatModelContext context)
    {
        var random = new Random(context.Seed);
        var maxDelay = TimeSpan.FromSeconds(options.MaxRetryDelaySeconds);
        var retry = new RetryStrategyOptions
        {
            // Polly refuses 0 attempts; max_retries 0 builds no retry strategy at all (below).
            MaxRetryAttempts = Math.Max(1, options.MaxRetries),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = context.BaseRetryDelay,
            MaxDelay = maxDelay,
            // Jitter from the episode's seed: a rerun waits the same way.
            Randomizer = random.NextDouble,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && IsTransient(ex, args.Context.CancellationToken)),
            DelayGenerator = args =>
            {
                var after = args.Outcome.Exception is { } ex ? RetryAfter(ex, context.Time) : null;
                return ValueTask.FromResult<TimeSpan?>(after is { } a ? (a > maxDelay ? maxDelay : a) : null);
            },
            OnRetry = args =>
            {
                var ex = args.Outcome.Exception;
                context.OnRetry?.Invoke(new RetryEvent(args.AttemptNumber + 1, StatusOf(ex), args.RetryDelay, Describe(ex)));
                return ValueTask.CompletedTask;
            },
        };
        var builder = new ResiliencePipelineBuilder { TimeProvider = context.Time };
        return (options.MaxRetries > 0 ? builder.AddRetry(retry) : builder).Build();
    }

    internal static bool IsTransient(Exception ex, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return false;
        return StatusOf(ex) switch
        {
            408 or 409 or 429 => true,
            >= 500 and < 600 => true,
            null => ex is HttpOperationException or HttpRequestException or TimeoutException or OperationCanceledException or ClientResultException
                    || ex.InnerException is { } inner && IsTransient(inner, cancellationToken),
            _ => false,
        };
    }

    private static int? StatusOf(Exception? ex) => ex switch
    {
        HttpOperationException { StatusCode: { } code } => (int)code,
        ClientResultException { Status: > 0 } c => c.Status,
        HttpOperationException { InnerException: ClientResultException { Status: > 0 } c } => c.Status,
        _ => null,
    };

    /// <summary>Retry-After (seconds or an HTTP date) or retry-after-ms from the failed response, when the server sent one.</summary>
    internal static TimeSpan? RetryAfter(Exception ex, TimeProvider time)
    {
        var response = (ex as ClientResultException ?? ex.InnerException as ClientResultException)?.GetRawResponse();
        if (response is null) return null;
        if (response.Headers.TryGetValue("retry-after-ms", out var ms) && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var millis) && millis >= 0)
            return TimeSpan.FromMilliseconds(millis);
        if (!response.Headers.TryGetValue("Retry-After", out var value) || value is null) return null;
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            return TimeSpan.FromSeconds(seconds);
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            var wait = date - time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }

    private static string Describe(Exception? ex) => ex switch
    {
        null => "no exception",
        _ when StatusOf(ex) is { } code => $"HTTP {code.ToString(CultureInfo.InvariantCulture)} ({(HttpStatusCode)code})",
        OperationCanceledException or TimeoutException => "the request timed out",
        _ => ex.GetType().Name,
    };
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
