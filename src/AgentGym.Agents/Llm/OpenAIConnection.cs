using System.ClientModel;
using System.ClientModel.Primitives;
using AgentGym.Agents.Llm.Tolerance;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using OpenAI;

namespace AgentGym.Agents.Llm;

/// <summary>
/// The gym's own chat client, built from <see cref="ModelOptions"/>: Semantic Kernel's OpenAI connector over the
/// OpenAI client, whose own retries are off (ClientRetryPolicy with 0 retries) so that <see cref="ChatRetry"/> alone
/// decides, and whose HTTP goes through <see cref="ReplyRepairHandler"/>.
/// </summary>
internal static class OpenAIConnection
{
    public static IChatCompletionService CreateService(ModelOptions options, Func<string, string?> environment)
    {
        var key = ApiKeys.Resolve(options, environment);
        // NetworkTimeout bounds each attempt inside the pipeline; the HttpClient's own 100 s default must not cut first.
        var http = new HttpClient(new ReplyRepairHandler(new SocketsHttpHandler())) { Timeout = Timeout.InfiniteTimeSpan };
        var clientOptions = new OpenAIClientOptions
        {
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = TimeSpan.FromSeconds(options.RequestTimeoutSeconds),
            UserAgentApplicationId = "agentgym",
            Transport = new HttpClientPipelineTransport(http),
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
        return new OpenAIChatCompletionService(options.Model, client);
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
}
