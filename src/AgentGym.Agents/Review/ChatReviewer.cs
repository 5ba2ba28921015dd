using System.ClientModel;
using System.Net;
using AgentGym.Agents.Prompts;
using AgentGym.Core.Review;
using Microsoft.Extensions.AI;

namespace AgentGym.Agents.Review;

/// <summary>
/// The code-review judge on a Microsoft.Extensions.AI chat client: one request per submission with the prompts of
/// prompts/judge/, the reply read strictly (<see cref="ReviewReply"/>) and its cited lines checked against the diff.
/// A judge that cannot be reached or answers out of shape gives an outcome with Error and no findings, never an exception.
/// </summary>
internal sealed class ChatReviewer(IChatClient client, JudgeSettings settings, PromptLibrary prompts) : ISubmissionReviewer
{
    public async Task<ReviewOutcome> ReviewAsync(ReviewRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var model = settings.Model.Model;
        // Nothing changed: nothing to judge, and no tokens to spend on saying so.
        if (request.Diff.Length == 0) return new ReviewOutcome { JudgeModel = model };

        var diff = SubmissionDiff.Parse(request.Diff);
        var (system, user) = RenderPrompts(prompts, request, diff.Numbered());
        List<ChatMessage> messages = [new(ChatRole.System, system), new(ChatRole.User, user)];
        var format = settings.ReplyFormat;
        var calls = 0;
        ChatResponse response;
        while (true)
        {
            calls++;
            try
            {
                response = await client.GetResponseAsync(messages, Options(format), cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (format == JudgeReplyFormat.JsonSchema && IsBadRequest(ex))
            {
                // The server does not take a schema (older vLLM, llama.cpp, some gateways): the prompt describes the
                // shape, so ask once more without one.
                format = JudgeReplyFormat.Text;
            }
            catch (Exception ex)
            {
                return new ReviewOutcome { JudgeModel = model, ModelCalls = calls, Error = $"the judge could not answer: {Describe(ex)}" };
            }
        }

        var usage = Usage(response.Usage);
        var text = response.Text;
        var judge = string.IsNullOrWhiteSpace(response.ModelId) ? model : response.ModelId;
        var (findings, error) = ReviewReply.Parse(text);
        if (error is not null)
            return new ReviewOutcome { JudgeModel = judge, ModelCalls = calls, Usage = usage, Error = error, RawReply = text };
        var checkedFindings = findings.Select(f =>
        {
            var (valid, rejected) = diff.Check(f.CitedLines);
            return f with { CitedLines = valid, RejectedCitations = rejected };
        }).ToList();
        return new ReviewOutcome { JudgeModel = judge, ModelCalls = calls, Usage = usage, Findings = checkedFindings, RawReply = text };
    }

    internal static (string System, string User) RenderPrompts(PromptLibrary prompts, ReviewRequest request, string numberedDiff) => (
        prompts.Render("judge/system.md", new Dictionary<string, string>()),
        prompts.Render("judge/review.md", new Dictionary<string, string>
        {
            ["task_id"] = request.TaskId,
            ["rules"] = request.Rules,
            ["diff"] = numberedDiff,
        }));

    private ChatOptions Options(JudgeReplyFormat format) => new()
    {
        ModelId = settings.Model.Model,
        Temperature = settings.Model.Temperature is { } t ? (float)t : null,
        MaxOutputTokens = settings.Model.MaxOutputTokens,
        ResponseFormat = format switch
        {
            JudgeReplyFormat.JsonSchema => ChatResponseFormat.ForJsonSchema(ReviewReply.Schema, "review_findings", "Findings of a code review of a speedrun submission."),
            JudgeReplyFormat.JsonObject => ChatResponseFormat.Json,
            _ => null,
        },
        // OpenAI's strict structured outputs (the schema meets their rules); servers that do not know it ignore it.
        AdditionalProperties = format == JudgeReplyFormat.JsonSchema ? new AdditionalPropertiesDictionary { ["strict"] = true } : null,
    };

    /// <summary>Null when the provider reported no token counts: unknown, not zero.</summary>
    private static ReviewUsage? Usage(UsageDetails? usage) =>
        usage is null || (usage.InputTokenCount is null && usage.OutputTokenCount is null)
            ? null
            : new ReviewUsage(usage.InputTokenCount ?? 0, usage.OutputTokenCount ?? 0, usage.CachedInputTokenCount, usage.ReasoningTokenCount);

    private static bool IsBadRequest(Exception ex) => ex switch
    {
        ClientResultException { Status: 400 } => true,
        HttpRequestException { StatusCode: HttpStatusCode.BadRequest } => true,
        _ => ex.InnerException is { } inner && IsBadRequest(inner),
    };

    /// <summary>The status and type of a failure; provider messages can be long, so only their first line.</summary>
    private static string Describe(Exception ex)
    {
        var status = ex switch
        {
            ClientResultException { Status: > 0 } c => $"HTTP {c.Status}: ",
            HttpRequestException { StatusCode: { } code } => $"HTTP {(int)code}: ",
            _ => "",
        };
        var message = ex.Message.Split('\n', 2)[0].Trim();
        return $"{status}{ex.GetType().Name}{(message.Length > 0 ? $" ({(message.Length > 300 ? message[..300] + "..." : message)})" : "")}";
    }
}
