using System.Text.Json;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using ChatToolCall = OpenAI.Chat.ChatToolCall;

namespace AgentGym.Agents.Llm.Tolerance;

/// <summary>
/// One tool call of a model reply, as the gym uses it: the name and argument text exactly as the model sent them (for
/// the trajectory), the id (the model's, or made up), and the call as it goes back into the chat.
/// </summary>
/// <param name="ForHistory">The call for the chat history: the same id and name, and arguments that are valid JSON
/// (the model's, when they parse to an object; {} otherwise), so that a strict server accepts the history.</param>
/// <param name="ArgumentsNote">Set when the history holds other arguments than the model sent, saying why.</param>
internal sealed record ModelToolCall(string Id, bool IdMadeUp, string Name, string RawArguments, FunctionCallContent ForHistory, string? ArgumentsNote);

/// <summary>What one model call gave: a readable reply, or the error that made it unreadable.</summary>
/// <param name="Message">The assistant message for the chat history (null when unreadable): the reply's text and the
/// normalised calls, nothing else of the provider's, so no raw tool call is ever echoed back.</param>
/// <param name="Repairs">What was repaired on the wire or here, naming fields; empty for a reply in OpenAI's shape.</param>
internal sealed record ModelTurn(
    ChatMessageContent? Message, string? Text, IReadOnlyList<ModelToolCall> Calls, TokenUsage Usage,
    IReadOnlyList<string> Repairs, ModelReplyException? Error);

/// <summary>
/// The message half of the tolerant layer, applied to the reply of every chat client (the gym's OpenAI client, a
/// builder's IChatCompletionService or IChatClient): a call without an id, or with an id used twice in the reply, gets
/// "call_{step}" for the step it becomes (what `agentgym export` writes for a step without an id); arguments that are
/// not a JSON object are kept raw for the trajectory but go back to the model as {}.
/// </summary>
internal static class ReplyNormalizer
{
    /// <param name="nextStep">The step number the reply's first call will become.</param>
    public static ModelTurn Normalize(ChatMessageContent reply, int nextStep, IReadOnlyList<string> wireRepairs)
    {
        var repairs = new List<string>(wireRepairs);
        var calls = new List<ModelToolCall>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var message = new ChatMessageContent(AuthorRole.Assistant, content: null) { AuthorName = reply.AuthorName, ModelId = reply.ModelId };
        var text = reply.Content;
        if (!string.IsNullOrEmpty(text)) message.Items.Add(new Microsoft.SemanticKernel.TextContent(text));
        var index = 0;
        foreach (var call in reply.Items.OfType<FunctionCallContent>())
        {
            var step = nextStep + index;
            var name = RawName(call);
            var raw = RawArguments(call);
            var idMadeUp = string.IsNullOrWhiteSpace(call.Id) || !seen.Add(call.Id);
            var id = idMadeUp ? $"call_{step}" : call.Id!;
            if (idMadeUp)
            {
                seen.Add(id);
                repairs.Add($"tool_calls[{index}].id was {(string.IsNullOrWhiteSpace(call.Id) ? "missing" : $"\"{call.Id}\", already used in this reply")}; made up as \"{id}\"");
            }
            var (arguments, note) = HistoryArguments(raw);
            if (note is not null) repairs.Add($"tool_calls[{index}].function.arguments {note}");
            var forHistory = new FunctionCallContent(name, pluginName: null, id, arguments);
            message.Items.Add(forHistory);
            calls.Add(new ModelToolCall(id, idMadeUp, name, raw, forHistory, note));
            index++;
        }
        return new ModelTurn(message, text, calls, TokenUsage.Of(reply), repairs, null);
    }

    /// <summary>The name as the model sent it; an unknown or plugin-prefixed name is the environment's to refuse.</summary>
    private static string RawName(FunctionCallContent call) => call.InnerContent switch
    {
        ChatToolCall raw => raw.FunctionName ?? "",
        Microsoft.Extensions.AI.FunctionCallContent fcc => fcc.Name ?? "",
        _ => call.PluginName is null ? call.FunctionName ?? "" : $"{call.PluginName}-{call.FunctionName}",
    };

    /// <summary>
    /// The argument text as the model sent it, when the client kept it (OpenAI's ChatToolCall); else the parsed
    /// arguments written back as JSON, with the values the client parsed (SK's OpenAI connector makes them strings).
    /// </summary>
    private static string RawArguments(FunctionCallContent call)
    {
        if (call.InnerContent is ChatToolCall raw) return raw.FunctionArguments?.ToString() ?? "";
        if (call.InnerContent is Microsoft.Extensions.AI.FunctionCallContent { Arguments: { } parsed })
            return JsonSerializer.Serialize(parsed);
        return call.Arguments is null ? "{}" : JsonSerializer.Serialize(call.Arguments.ToDictionary(a => a.Key, a => a.Value));
    }

    private static (KernelArguments Arguments, string? Note) HistoryArguments(string raw)
    {
        JsonElement parsed;
        try
        {
            using var doc = JsonDocument.Parse(raw);
            parsed = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return ([], "were not valid JSON; kept raw in the trajectory, sent back to the model as {}");
        }
        if (parsed.ValueKind != JsonValueKind.Object)
            return ([], $"were a JSON {parsed.ValueKind.ToString().ToLowerInvariant()}, not an object; kept raw in the trajectory, sent back to the model as {{}}");
        var arguments = new KernelArguments();
        foreach (var property in parsed.EnumerateObject()) arguments[property.Name] = property.Value;
        return (arguments, null);
    }
}
