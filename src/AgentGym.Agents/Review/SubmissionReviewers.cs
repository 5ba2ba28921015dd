using AgentGym.Agents.Llm;
using AgentGym.Agents.Prompts;
using AgentGym.Core.Review;
using Microsoft.Extensions.AI;

namespace AgentGym.Agents.Review;

/// <summary>Builds the code-review judge (<see cref="ISubmissionReviewer"/>) on any Microsoft.Extensions.AI chat client.</summary>
public static class SubmissionReviewers
{
    /// <summary>The judge on an OpenAI, Azure or OpenAI-compatible model, as <paramref name="settings"/>.Model says.</summary>
    /// <exception cref="InvalidOperationException">No API key, or no endpoint where the provider needs one.</exception>
    /// <exception cref="InvalidDataException">An overriding prompt names an unknown placeholder.</exception>
    /// <exception cref="DirectoryNotFoundException">PromptsDir does not exist.</exception>
    public static ISubmissionReviewer Create(JudgeSettings settings) => Create(settings, Environment.GetEnvironmentVariable);

    internal static ISubmissionReviewer Create(JudgeSettings settings, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Create(OpenAIChatClients.Create(settings.Model, environment), settings);
    }

    /// <summary>
    /// The judge on a chat client of the caller's choice (Ollama, Anthropic, a test double...). settings.Model.Model is
    /// sent as the model id and recorded when the reply does not name one; the rest of settings.Model
    /// (temperature, max output tokens) is passed on, the provider fields are not used.
    /// </summary>
    public static ISubmissionReviewer Create(IChatClient client, JudgeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(settings);
        var prompts = new PromptLibrary(settings.PromptsDir);
        // A typo in an overriding prompt must stop the run before the first submission, not at it.
        ChatReviewer.RenderPrompts(prompts, new ReviewRequest("task", "rules", ""), "diff");
        return new ChatReviewer(client, settings, prompts);
    }
}
