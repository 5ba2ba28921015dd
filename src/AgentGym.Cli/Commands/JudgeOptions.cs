using System.CommandLine;
using AgentGym.Agents.Llm;
using AgentGym.Agents.Review;
using AgentGym.Core.Gym;
using AgentGym.Core.Review;

namespace AgentGym.Cli.Commands;

/// <summary>
/// The optional code-review judge of `agentgym episode` and `agentgym verify`. Without --judge-model no review runs.
/// As for agents, the key is never an option: it comes from --judge-api-key-env, else AGENTGYM_API_KEY / OPENAI_API_KEY
/// (none needed for an OpenAI-compatible endpoint).
/// </summary>
internal sealed class JudgeOptions
{
    public Option<string?> Model { get; } = new("--judge-model") { Description = "Model that reviews the submission's diff after the measured checks (enables the review)." };
    public Option<string?> Endpoint { get; } = new("--judge-endpoint") { Description = "The judge's base URL, e.g. http://localhost:8000/v1 (implies openai-compatible unless --judge-provider says otherwise)." };
    public Option<string?> Provider { get; } = new("--judge-provider") { Description = "The judge's provider: openai, azure or openai-compatible." };
    public Option<string?> ApiKeyEnv { get; } = new("--judge-api-key-env") { Description = "Name of the environment variable holding the judge's API key." };
    public Option<string?> Policy { get; } = new("--judge-policy") { Description = "report (findings only reported) or zero:T (a finding with confidence >= T zeroes the reward). Default: the task's verification.review, else report." };

    public IEnumerable<Option> All => [Model, Endpoint, Provider, ApiKeyEnv, Policy];

    /// <summary>The judge's settings, or null when --judge-model is absent.</summary>
    /// <exception cref="ArgumentException">A judge option without --judge-model, a bad URL, provider or policy.</exception>
    public JudgeSettings? Build(ParseResult parse)
    {
        if (parse.GetValue(Model) is not { } id)
        {
            var stray = All.Skip(1).FirstOrDefault(o => parse.GetResult(o) is { Implicit: false });
            return stray is null ? null : throw new ArgumentException($"{stray.Name} needs --judge-model (the review runs only with a judge model).");
        }
        var model = new ModelOptions { Model = id };
        if (parse.GetValue(Endpoint) is { } endpoint)
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)) throw new ArgumentException($"--judge-endpoint '{endpoint}' is not an absolute URL.");
            model = model with { Endpoint = uri, Provider = ModelProvider.OpenAICompatible };
        }
        if (parse.GetValue(Provider) is { } provider)
        {
            if (!ModelProviders.TryParse(provider, out var p)) throw new ArgumentException($"Unknown --judge-provider '{provider}'; use openai, azure or openai-compatible.");
            model = model with { Provider = p };
        }
        if (parse.GetValue(ApiKeyEnv) is { } variable) model = model with { ApiKeyEnvironmentVariable = variable };
        ReviewPolicy? policy = null;
        if (parse.GetValue(Policy) is { } text)
        {
            if (!ReviewPolicies.TryParse(text, out var parsed, out var error)) throw new ArgumentException($"--judge-policy: {error}.");
            policy = parsed;
        }
        return new JudgeSettings { Model = model, Policy = policy };
    }

    /// <summary>The scorer with the review after its measured checks, when a judge is configured.</summary>
    /// <exception cref="InvalidOperationException">No key for the judge, or a provider that needs an endpoint has none.</exception>
    public static ISubmissionScorer? WithJudge(ISubmissionScorer? scorer, JudgeSettings? judge) =>
        scorer is null || judge is null ? scorer : scorer.WithReview(SubmissionReviewers.Create(judge), judge.Policy);
}
