using System.Text;
using System.Text.Json.Serialization;

namespace AgentGym.Agents.Llm;

[JsonConverter(typeof(ModelProviderJsonConverter))]
public enum ModelProvider
{
    /// <summary>api.openai.com (or Endpoint when given).</summary>
    OpenAI,

    /// <summary>Azure OpenAI through its OpenAI-compatible v1 API (https://RESOURCE.openai.azure.com/openai/v1/); Model is the deployment name.</summary>
    Azure,

    /// <summary>Any server speaking the OpenAI chat completions API at Endpoint: vLLM, Ollama, llama.cpp, LiteLLM.</summary>
    OpenAICompatible,
}

/// <summary>
/// Which model answers and how it is reached. The API key comes from ApiKey, else ApiKeyFile, else the variable
/// named by ApiKeyEnvironmentVariable, else AGENTGYM_API_KEY, else the provider's usual variable (OPENAI_API_KEY,
/// AZURE_OPENAI_API_KEY). The key is never written anywhere: ToString and <see cref="Describe"/> leave it out.
/// </summary>
public sealed record ModelOptions
{
    // On the property as well as the type: the gym-wide options carry a snake_case enum converter, which outranks
    // a type's attribute and would read "openai-compatible" as an error and write OpenAI as "open_ai".
    [JsonConverter(typeof(ModelProviderJsonConverter))]
    public ModelProvider Provider { get; init; } = ModelProvider.OpenAI;

    /// <summary>Model id (OpenAI, compatible servers) or deployment name (Azure).</summary>
    public string Model { get; init; } = "gpt-4.1-mini";

    /// <summary>Base URL, e.g. http://localhost:8000/v1 for vLLM or http://localhost:11434/v1 for Ollama.</summary>
    public Uri? Endpoint { get; init; }

    [JsonPropertyName("api_key")]
    public string? ApiKey { get; init; }

    /// <summary>A file holding the key: plain text, or JSON with an "api_key" field.</summary>
    public string? ApiKeyFile { get; init; }

    [JsonPropertyName("api_key_env")]
    public string? ApiKeyEnvironmentVariable { get; init; }

    public double? Temperature { get; init; }

    /// <summary>low, medium, high or minimal, for reasoning models; null leaves the provider's default.</summary>
    public string? ReasoningEffort { get; init; }

    public int? MaxOutputTokens { get; init; }

    /// <summary>How long one HTTP attempt may take before it is abandoned and retried.</summary>
    public int RequestTimeoutSeconds { get; init; } = 300;

    /// <summary>Retries after the first attempt, for 408, 429, 5xx, network failures and timeouts.</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>Upper bound of one wait between attempts, including a server's Retry-After.</summary>
    public int MaxRetryDelaySeconds { get; init; } = 120;

    /// <summary>Range checks made when the settings are read (see StrictJson), not when the client first uses them.</summary>
    public IEnumerable<AgentGym.Core.Json.ConfigProblem> Problems()
    {
        if (string.IsNullOrWhiteSpace(Model)) yield return new("model", "must not be empty");
        if (Temperature is { } t && (!double.IsFinite(t) || t < 0 || t > 2)) yield return new("temperature", $"must be between 0 and 2 (got {t})");
        if (MaxOutputTokens is <= 0) yield return new("max_output_tokens", $"must be positive (got {MaxOutputTokens})");
        if (RequestTimeoutSeconds <= 0) yield return new("request_timeout_seconds", $"must be positive (got {RequestTimeoutSeconds})");
        if (MaxRetries is < 0 or > 100) yield return new("max_retries", $"must be from 0 (no retries) to 100 (got {MaxRetries})");
        if (MaxRetryDelaySeconds < 0) yield return new("max_retry_delay_seconds", $"must not be negative (got {MaxRetryDelaySeconds})");
        if (Endpoint is { IsAbsoluteUri: false }) yield return new("endpoint", "must be an absolute URL, e.g. http://localhost:8000/v1");
    }

    /// <summary>What may be recorded about the model: everything but the key (and the endpoint's user info and query).</summary>
    public System.Text.Json.Nodes.JsonObject Describe() => new()
    {
        ["provider"] = ModelProviders.Format(Provider),
        ["model"] = Model,
        ["endpoint"] = Endpoint is null ? null : Endpoint.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped),
        ["temperature"] = Temperature,
        ["reasoning_effort"] = ReasoningEffort,
        ["max_output_tokens"] = MaxOutputTokens,
    };

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Provider = ").Append(Provider).Append(", Model = ").Append(Model)
            .Append(", Endpoint = ").Append(Describe()["endpoint"]?.ToString() ?? "(default)")
            .Append(", ApiKey = ").Append(ApiKey is null ? "(unset)" : "***");
        return true;
    }
}

public static class ModelProviders
{
    /// <summary>openai, azure, or openai-compatible (also: compatible, vllm, ollama).</summary>
    public static bool TryParse(string? text, out ModelProvider provider)
    {
        provider = ModelProvider.OpenAI;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "openai": provider = ModelProvider.OpenAI; return true;
            case "azure" or "azure-openai": provider = ModelProvider.Azure; return true;
            case "openai-compatible" or "compatible" or "vllm" or "ollama": provider = ModelProvider.OpenAICompatible; return true;
            default: return false;
        }
    }

    public static string Format(ModelProvider provider) => provider switch
    {
        ModelProvider.Azure => "azure",
        ModelProvider.OpenAICompatible => "openai-compatible",
        _ => "openai",
    };
}

internal sealed class ModelProviderJsonConverter : JsonConverter<ModelProvider>
{
    public override ModelProvider Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        ModelProviders.TryParse(reader.GetString(), out var p)
            ? p
            : throw new System.Text.Json.JsonException($"Unknown provider '{reader.GetString()}'; use openai, azure or openai-compatible.");

    public override void Write(System.Text.Json.Utf8JsonWriter writer, ModelProvider value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WriteStringValue(ModelProviders.Format(value));
}
