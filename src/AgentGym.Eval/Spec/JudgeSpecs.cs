using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Agents.Llm;
using AgentGym.Agents.Review;
using AgentGym.Core.Json;
using AgentGym.Core.Review;

namespace AgentGym.Eval.Spec;

/// <summary>
/// Reads scoring.judge: {"model": {provider, endpoint, model, api_key_env, ...}, "policy": "report" | "zero:0.8",
/// "reply_format": "json_schema" | "json_object" | "text", "prompts_dir": "..."}. Only model is required; without
/// policy each task's verification.review decides (report only when it has none).
/// </summary>
internal static class JudgeSpecs
{
    private const string Field = "scoring.judge";

    public static JudgeSettings Parse(JsonNode node, string baseDirectory)
    {
        var o = node as JsonObject ?? throw new ExperimentSpecException(Field, "must be an object (model, policy, reply_format, prompts_dir)");
        foreach (var (key, _) in o)
            if (key is not ("model" or "policy" or "reply_format" or "prompts_dir"))
                throw new ExperimentSpecException($"{Field}.{key}", "unknown field; expected model, policy, reply_format or prompts_dir");

        var modelNode = o["model"] as JsonObject ?? throw new ExperimentSpecException($"{Field}.model", "is required: an object like an agent's model (provider, endpoint, model, api_key_env)");
        if (modelNode["provider"] is JsonValue pv && pv.TryGetValue<string>(out var providerText) && !ModelProviders.TryParse(providerText, out _))
            throw new ExperimentSpecException($"{Field}.model.provider", $"unknown provider '{providerText}'; use openai, azure or openai-compatible");
        ModelOptions model;
        try
        {
            model = modelNode.Deserialize<ModelOptions>(JsonDefaults.Options) ?? new ModelOptions();
        }
        catch (JsonException ex)
        {
            // The serializer's message may quote an api_key; name the path only.
            throw new ExperimentSpecException($"{Field}.model{(ex.Path is { Length: > 1 } p ? p[1..] : "")}", "not a valid value here");
        }
        if (model.ApiKeyFile is { } keyFile && !Path.IsPathRooted(keyFile))
            model = model with { ApiKeyFile = Path.Combine(baseDirectory, keyFile) };

        ReviewPolicy? policy = null;
        if (o["policy"] is { } policyNode)
        {
            if (policyNode is not JsonValue v || !v.TryGetValue<string>(out var text))
                throw new ExperimentSpecException($"{Field}.policy", "must be a string: report, or zero:T (e.g. zero:0.8)");
            if (!ReviewPolicies.TryParse(text, out var parsed, out var error)) throw new ExperimentSpecException($"{Field}.policy", error!);
            policy = parsed;
        }

        var format = JudgeReplyFormat.JsonSchema;
        if (o["reply_format"] is { } formatNode)
        {
            format = formatNode is JsonValue fv && fv.TryGetValue<string>(out var f) ? f switch
            {
                "json_schema" => JudgeReplyFormat.JsonSchema,
                "json_object" => JudgeReplyFormat.JsonObject,
                "text" => JudgeReplyFormat.Text,
                _ => throw new ExperimentSpecException($"{Field}.reply_format", $"unknown format '{f}'; use json_schema, json_object or text"),
            } : throw new ExperimentSpecException($"{Field}.reply_format", "must be a string: json_schema, json_object or text");
        }

        string? prompts = null;
        if (o["prompts_dir"] is { } promptsNode)
        {
            prompts = promptsNode is JsonValue dv && dv.TryGetValue<string>(out var d) && d.Trim().Length > 0 ? d
                : throw new ExperimentSpecException($"{Field}.prompts_dir", "must be a non-empty string");
            if (!Path.IsPathRooted(prompts)) prompts = Path.Combine(baseDirectory, prompts);
        }
        return new JudgeSettings { Model = model, Policy = policy, ReplyFormat = format, PromptsDir = prompts };
    }

    /// <summary>Builds the judge once, so that a missing key or prompts folder stops the experiment before any cell runs.</summary>
    public static void Validate(JudgeSettings judge)
    {
        try
        {
            _ = SubmissionReviewers.Create(judge);
        }
        catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ExperimentSpecException(Field, ex.Message);
        }
    }
}
