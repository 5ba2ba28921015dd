using System.ClientModel;
using System.ClientModel.Primitives;
using AgentGym.Agents.Llm.Tolerance;
using Microsoft.Extensions.AI;
using OpenAI;

namespace AgentGym.Agents.Llm;

/// <summary>
/// A Microsoft.Extensions.AI chat client for <see cref="ModelOptions"/> (OpenAI, Azure's v1 API, or any
/// OpenAI-compatible server), through the OpenAI client's AsIChatClient. Retries are the OpenAI client's own
/// (ModelOptions.MaxRetries, exponential, honouring Retry-After); NetworkTimeout bounds each attempt; HTTP goes
/// through <see cref="ReplyRepairHandler"/> like the agents' connection.
/// </summary>
internal static class OpenAIChatClients
{
    /// <exception cref="InvalidOperationException">No API key can be found, or the provider needs an endpoint.</exception>
    public static IChatClient Create(ModelOptions options, Func<string, string?> environment)
    {
        var key = ApiKeys.Resolve(options, environment);
        // NetworkTimeout bounds each attempt; the HttpClient's own 100 s default must not cut first.
        var http = new HttpClient(new ReplyRepairHandler(new SocketsHttpHandler())) { Timeout = Timeout.InfiniteTimeSpan };
        var clientOptions = new OpenAIClientOptions
        {
            RetryPolicy = new ClientRetryPolicy(maxRetries: Math.Max(0, options.MaxRetries)),
            NetworkTimeout = TimeSpan.FromSeconds(options.RequestTimeoutSeconds),
            UserAgentApplicationId = "agentgym",
            Transport = new HttpClientPipelineTransport(http),
        };
        if (OpenAIConnection.Endpoint(options) is { } endpoint) clientOptions.Endpoint = endpoint;
        var credential = new ApiKeyCredential(key);
        // As in OpenAIConnection: Azure's v1 API takes an api-key header, everyone else a bearer token.
#pragma warning disable OPENAI001
        var client = options.Provider == ModelProvider.Azure
            ? new OpenAIClient(ApiKeyAuthenticationPolicy.CreateHeaderApiKeyPolicy(credential, "api-key"), clientOptions)
            : new OpenAIClient(credential, clientOptions);
#pragma warning restore OPENAI001
        return client.GetChatClient(options.Model).AsIChatClient();
    }
}
