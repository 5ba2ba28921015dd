using System.Text.Json.Nodes;
using AgentGym.Agents.Llm;
using AgentGym.Agents.Prompts;
using AgentGym.Core.Agents;
using AgentGym.Core.Gym;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace AgentGym.Agents.Sk;

/// <summary>
/// A tool-calling LLM agent over any chat client. Functions are advertised as declarations with autoInvoke off, so the
/// gym owns every step: each function call the model makes becomes a Core ToolCall (its arguments byte for byte as the
/// model wrote them, malformed or not), goes through StepAsync into the trajectory, and its observation goes back as
/// the function result. Replies pass the tolerant layer first (<see cref="Llm.Tolerance.ReplyNormalizer"/>).
/// </summary>
internal sealed class ChatAgent(ChatModelFactory models, ChatAgentOptions options, PromptLibrary prompts) : IEpisodeAgent
{
    public string Name => "sk";

    public async Task<EpisodeOutcome> RunAsync(IGymEnvironment environment, ResetOptions resetOptions,
        Action<int, Core.Gym.ToolCall, StepResult>? onStep = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(resetOptions);
        var model = models(resetOptions.Seed);
        var reset = await environment.ResetAsync(resetOptions, cancellationToken).ConfigureAwait(false);
        var session = new GymSession(environment, Name, onStep);
        var history = new ChatHistory(prompts.Render("system.md", new Dictionary<string, string>
        {
            ["target_val_loss"] = double.IsFinite(session.Episode.TargetValLoss) ? session.Episode.TargetValLoss.ToString(System.Globalization.CultureInfo.InvariantCulture) : "the target",
        }));
        history.AddUserMessage(prompts.Render("task.md", new Dictionary<string, string>
        {
            ["observation"] = reset.Observation.Text,
            ["hint_regime"] = HintRegimes.Format(resetOptions.Hints),
            ["hint_guidance"] = prompts.HintGuidance(resetOptions.Hints),
        }));

        // Declarations only: whatever the client, the gym executes every call itself, through the session.
        var functions = GymToolPlugin.CreateDeclarations(environment.Tools);
        var settings = model.Settings(resetOptions.Seed, FunctionChoiceBehavior.Auto(functions, autoInvoke: false));
        var kernel = new Kernel();
        var stopReason = "turn_limit";
        var idle = 0;
        var turn = 0;
        var unreadable = new JsonArray();
        var unreadableTotal = 0;
        try
        {
            while (turn < options.MaxTurns)
            {
                turn++;
                var reply = await model.CompleteAsync(history, settings, kernel, session.Steps + 1, cancellationToken).ConfigureAwait(false);
                session.Usage.Add(reply.Usage);
                if (reply.Error is { } error)
                {
                    // The reply could not be read even after the retries: this turn is lost, the episode goes on.
                    unreadable.Add(new JsonObject { ["model_turn"] = turn, ["field"] = error.Field, ["error"] = error.Message });
                    if (++idle > options.MaxIdleTurns) { stopReason = "model_stopped_calling_tools"; break; }
                    history.AddUserMessage(prompts.Render("unreadable_reply.md", new Dictionary<string, string> { ["error"] = error.Message }));
                    continue;
                }
                history.Add(reply.Message!);
                if (reply.Calls.Count == 0)
                {
                    if (++idle > options.MaxIdleTurns) { stopReason = "model_stopped_calling_tools"; break; }
                    history.AddUserMessage(prompts.Render("continue.md", new Dictionary<string, string>()));
                    continue;
                }
                idle = 0;
                for (var i = 0; i < reply.Calls.Count; i++)
                {
                    var call = reply.Calls[i];
                    var info = new JsonObject
                    {
                        ["model_turn"] = turn,
                        ["tool_call_id"] = call.Id,
                    };
                    if (call.IdMadeUp) info["tool_call_id_made_up"] = true;
                    if (i == 0 && !string.IsNullOrWhiteSpace(reply.Text)) info["assistant_text"] = reply.Text;
                    if (i == 0 && reply.Repairs.Count > 0) info["reply_repairs"] = new JsonArray(reply.Repairs.Select(r => (JsonNode)r).ToArray());
                    if (i == 0 && unreadable.Count > 0)
                    {
                        info["unreadable_replies"] = unreadable.DeepClone();
                        unreadableTotal += unreadable.Count;
                        unreadable.Clear();
                    }
                    if (session.Over)
                    {
                        // Every tool call id needs an answer if the conversation were ever continued.
                        history.Add(new FunctionResultContent(call.ForHistory, "Not executed: the episode is over.").ToChatMessage());
                        continue;
                    }
                    var result = await session.StepAsync(new Core.Gym.ToolCall(call.Name, call.RawArguments), info, cancellationToken).ConfigureAwait(false);
                    history.Add(new FunctionResultContent(call.ForHistory, result.Observation.Text).ToChatMessage());
                }
                if (session.Over) { stopReason = session.Last!.Terminated ? "terminated" : "truncated"; break; }
                ElideOldObservations(history, options.KeepFullObservations, options.ElidedObservationChars);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            session.WriteSummary("model_error", Extra(model, turn, unreadableTotal + unreadable.Count, ex));
            throw;
        }
        session.WriteSummary(stopReason, Extra(model, turn, unreadableTotal + unreadable.Count, null));
        return session.Outcome();
    }

    /// <summary>
    /// Keeps the conversation within a model's context over a long episode: tool results older than the most recent
    /// <paramref name="keep"/> are cut to their first characters with a note. Only the chat is shortened; the
    /// trajectory keeps every observation whole.
    /// </summary>
    internal static void ElideOldObservations(ChatHistory history, int keep, int headChars)
    {
        var results = history.SelectMany(m => m.Items.OfType<FunctionResultContent>().Select(r => (Message: m, Result: r))).ToList();
        foreach (var (message, result) in results.Take(Math.Max(0, results.Count - keep)))
        {
            if (result.Result is not string text || text.Length <= headChars + ElisionNote.Length || text.EndsWith(ElisionNote, StringComparison.Ordinal)) continue;
            var index = message.Items.IndexOf(result);
            message.Items[index] = new FunctionResultContent(result.FunctionName, result.PluginName, result.CallId, text[..headChars] + "\n" + ElisionNote);
        }
    }

    internal const string ElisionNote = "[... older observation shortened to save context; call the tool again to see it in full.]";

    private static JsonObject Extra(ChatModel model, int turns, int unreadableReplies, Exception? error)
    {
        var extra = new JsonObject { ["model"] = model.Describe(), ["model_turns"] = turns, ["unreadable_replies"] = unreadableReplies };
        if (error is not null) extra["error"] = $"{error.GetType().Name}: {error.Message}";
        return extra;
    }
}

/// <summary>Creates the episode's chat model; the seed makes retry jitter and provider sampling repeatable.</summary>
internal delegate ChatModel ChatModelFactory(int seed);

/// <summary>Limits of the tool-calling agent.</summary>
public sealed record ChatAgentOptions
{
    /// <summary>Model calls per episode.</summary>
    public int MaxTurns { get; init; } = 150;

    /// <summary>Consecutive answers without a tool call before the agent gives up (each is followed by a nudge).</summary>
    public int MaxIdleTurns { get; init; } = 3;

    /// <summary>Tool results kept whole in the chat; older ones are shortened (the trajectory keeps them all).</summary>
    public int KeepFullObservations { get; init; } = 30;

    /// <summary>Characters kept of a shortened tool result.</summary>
    public int ElidedObservationChars { get; init; } = 600;

    /// <summary>Range checks made when the settings are read.</summary>
    public IEnumerable<AgentGym.Core.Json.ConfigProblem> Problems()
    {
        if (MaxTurns < 1) yield return new("max_turns", $"must be at least 1 (got {MaxTurns})");
        if (MaxIdleTurns < 1) yield return new("max_idle_turns", $"must be at least 1 (got {MaxIdleTurns})");
        if (KeepFullObservations < 0) yield return new("keep_full_observations", $"must not be negative (got {KeepFullObservations})");
        if (ElidedObservationChars < 0) yield return new("elided_observation_chars", $"must not be negative (got {ElidedObservationChars})");
    }
}
