using System.Text.Json;

namespace AgentGym.Agents.Llm;

internal static class ApiKeys
{
    public const string GymVariable = "AGENTGYM_API_KEY";

    /// <summary>
    /// Finds the key (see <see cref="ModelOptions"/> for the order). Local OpenAI-compatible servers usually need none,
    /// but the OpenAI client insists on one, so they get a placeholder. Error messages name variables, never values.
    /// </summary>
    public static string Resolve(ModelOptions options, Func<string, string?> environment)
    {
        if (!string.IsNullOrWhiteSpace(options.ApiKey)) return options.ApiKey.Trim();
        if (options.ApiKeyFile is { Length: > 0 } file) return FromFile(file);
        if (options.ApiKeyEnvironmentVariable is { Length: > 0 } name)
        {
            return environment(name) is { Length: > 0 } fromNamed
                ? fromNamed.Trim()
                : throw new InvalidOperationException($"The API key variable {name} is not set.");
        }
        var providerVariable = options.Provider == ModelProvider.Azure ? "AZURE_OPENAI_API_KEY" : "OPENAI_API_KEY";
        foreach (var variable in new[] { GymVariable, providerVariable })
            if (environment(variable) is { Length: > 0 } value) return value.Trim();
        if (options.Provider == ModelProvider.OpenAICompatible) return "no-key";
        throw new InvalidOperationException(
            $"No API key for {options.Provider}: set {GymVariable} or {providerVariable}, or give api_key_env / api_key_file.");
    }

    private static string FromFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"The API key file '{path}' does not exist.", path);
        var text = File.ReadAllText(path).Trim();
        if (text.StartsWith('{'))
        {
            try
            {
                using var doc = JsonDocument.Parse(text);
                if (doc.RootElement.TryGetProperty("api_key", out var key) && key.ValueKind == JsonValueKind.String && key.GetString() is { Length: > 0 } k)
                    return k.Trim();
            }
            catch (JsonException)
            {
                // Not JSON after all: the message below says what was expected without echoing the content.
            }
            throw new InvalidDataException($"The API key file '{path}' is JSON but has no string field \"api_key\".");
        }
        return text.Length > 0 ? text : throw new InvalidDataException($"The API key file '{path}' is empty.");
    }
}
