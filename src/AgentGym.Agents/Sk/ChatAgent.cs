using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Agents.Llm;
using AgentGym.Agents.Prompts;
using AgentGym.Core.Agents;
using AgentGym.Core.Environment;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using OpenAI.Chat;

namespace AgentGym.Agents.Sk;

/// <summary>
/// A tool-calling LLM agent. Functions are advertised with autoInvoke off, so the gym owns every step: each function
/// call the model makes becomes a Core ToolCall (its arguments byte for byte as the model wrote them, malformed or
/// not), goes through StepAsync into the trajectory, and its observation goes back as the function result.
/// </summary>
internal sealed class ChatAgent(ChatModelFactory models, ChatAgentOptions options, PromptLibrary prompts) : IEpisodeAgent
{
    public string Name => "sk";

    public async Task<EpisodeOutcome> RunAsync(IGymEnvironment environment, ResetOptions resetOptions,
        Action<int, Core.Environment.ToolCall, StepResult>? onStep = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(resetOptions);
        var model = models(resetOptions.Seed);
        var reset = await environment.ResetAsync(resetOptions, cancellationToken).ConfigureAwait(false);
        var session = new GymSession(environment, Name, onStep);
        var history = new ChatHistory(prompts.Render("system.md", new Dictionary<string, string>
        {
            ["target_val_loss"] = reset.Info["target_val_loss"]?.ToJsonString() ?? "the target",
        }));
        history.AddUserMessage(prompts.Render("task.md", new Dictionary<string, string>
        {
            ["observation"] = reset.Observation.Text,
            ["hint_regime"] = HintRegimes.Format(resetOptions.Hints),
            ["hint_guidance"] = prompts.HintGuidance(resetOptions.Hints),
        }));

        var functions = GymToolPlugin.CreateFunctions(environment);
        var settings = model.Settings(resetOptions.Seed, FunctionChoiceBehavior.Auto(functions, autoInvoke: false));
        var kernel = new Kernel();
        var stopReason = "turn_limit";
        var idle = 0;
        var turn = 0;
        try
        {
            while (turn < options.MaxTurns)
            {
                turn++;
                var reply = await model.CompleteAsync(history, settings, kernel, cancellationToken).ConfigureAwait(false);
                session.Usage.Add(TokenUsage.Of(reply));
                history.Add(reply);
                var calls = FunctionCallContent.GetFunctionCalls(reply).ToList();
                if (calls.Count == 0)
                {
                    if (++idle > options.MaxIdleTurns) { stopReason = "model_stopped_calling_tools"; break; }
                    history.AddUserMessage(prompts.Render("continue.md", new Dictionary<string, string>()));
                    continue;
                }
                idle = 0;
                for (var i = 0; i < calls.Count; i++)
                {
                    var call = calls[i];
                    var info = new JsonObject
                    {
                        ["model_turn"] = turn,
                        ["tool_call_id"] = call.Id,
                    };
                    if (i == 0 && !string.IsNullOrWhiteSpace(reply.Content)) info["assistant_text"] = reply.Content;
                    if (session.Over)
                    {
                        // Every tool call id needs an answer if the conversation were ever continued.
                        history.Add(new FunctionResultContent(call, "Not executed: the episode is over.").ToChatMessage());
                        continue;
                    }
                    var result = await session.StepAsync(ToToolCall(call), info, cancellationToken).ConfigureAwait(false);
                    history.Add(new FunctionResultContent(call, result.Observation.Text).ToChatMessage());
                }
                if (session.Over) { stopReason = session.Last!.Terminated ? "terminated" : "truncated"; break; }
                ElideOldObservations(history, options.KeepFullObservations, options.ElidedObservationChars);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            session.WriteSummary("model_error", Extra(model, turn, ex));
            throw;
        }
        session.WriteSummary(stopReason, Extra(model, turn, null));
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

    private static JsonObject Extra(ChatModel model, int turns, Exception? error)
    {
        var extra = new JsonObject { ["model"] = model.Options.Describe(), ["model_turns"] = turns };
        if (error is not null) extra["error"] = $"{error.GetType().Name}: {error.Message}";
        return extra;
    }

    /// <summary>
    /// The call as the model sent it: the name exactly (an unknown or plugin-prefixed name is the environment's to
    /// refuse) and the raw argument text, which SK would otherwise have re-serialized with every value as a string.
    /// </summary>
    internal static Core.Environment.ToolCall ToToolCall(FunctionCallContent call)
    {
        if (call.InnerContent is ChatToolCall raw)
            return new Core.Environment.ToolCall(raw.FunctionName, raw.FunctionArguments?.ToString() ?? "");
        var name = call.PluginName is null ? call.FunctionName : $"{call.PluginName}-{call.FunctionName}";
        var arguments = call.Arguments is null ? "{}" : JsonSerializer.Serialize(call.Arguments.ToDictionary(a => a.Key, a => a.Value));
        return new Core.Environment.ToolCall(name, arguments);
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
