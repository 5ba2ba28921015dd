using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentGym.Agents.Llm.Tolerance;

/// <summary>
/// Repairs a non-streaming chat completion body from an OpenAI-compatible server before the OpenAI SDK parses it.
/// The SDK throws, naming no field, on shapes that real servers send (tool-call arguments as a JSON object, a null or
/// unknown finish_reason, null choices); those that carry their meaning anyway are rewritten to OpenAI's shape and
/// noted, and those that do not (no choice, no message, a body that is not JSON) become a
/// <see cref="ModelReplyException"/> naming the field. Tool-call ids are left alone: a missing id is made up later,
/// from the step the call becomes (<see cref="ReplyNormalizer"/>), so that it matches what export would make.
/// </summary>
internal static class ChatCompletionRepair
{
    /// <summary>Repairs <paramref name="body"/> in place; returns null when nothing needed repairing.</summary>
    /// <param name="notes">Receives one line per repair, naming the field, for the trajectory.</param>
    public static string? Repair(string body, List<string> notes)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(body); }
        catch (JsonException) { throw new ModelReplyException("(body)", "is not JSON"); }
        if (root is not JsonObject reply) throw new ModelReplyException("(body)", "is not a JSON object");
        var before = notes.Count;

        if (reply["choices"] is not JsonArray choices)
            throw new ModelReplyException("choices", reply["choices"] is null ? "is null or missing" : "is not an array");
        if (choices.Count == 0) throw new ModelReplyException("choices", "is empty");
        if (reply["created"] is not JsonValue created || created.GetValueKind() != JsonValueKind.Number)
        {
            reply["created"] = 0;
            notes.Add("created was missing or not a number; set to 0");
        }
        for (var c = 0; c < choices.Count; c++)
        {
            var path = $"choices[{c}]";
            if (choices[c] is not JsonObject choice) throw new ModelReplyException(path, "is not an object");
            if (choice["message"] is not JsonObject message) throw new ModelReplyException(path + ".message", "is null or missing");
            if (choice["index"] is null) choice["index"] = c;
            RepairContent(message, path + ".message", notes);
            var hasCalls = RepairToolCalls(message, path + ".message", notes);
            RepairFinishReason(choice, path, hasCalls, notes);
        }
        return notes.Count == before ? null : reply.ToJsonString();
    }

    /// <summary>Content given as a list of parts (some servers do this in replies) becomes their text.</summary>
    private static void RepairContent(JsonObject message, string path, List<string> notes)
    {
        if (message["content"] is not JsonArray parts) return;
        message["content"] = string.Concat(parts.Select(p => p is JsonObject o && o["text"] is JsonValue t && t.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : ""));
        notes.Add($"{path}.content was a list of parts; joined as text");
    }

    private static bool RepairToolCalls(JsonObject message, string path, List<string> notes)
    {
        switch (message["tool_calls"])
        {
            case null:
                if (message.ContainsKey("tool_calls")) message.Remove("tool_calls");
                return false;
            case JsonArray { Count: 0 }:
                // An empty list makes the SDK echo "tool_calls": [] back, which OpenAI itself answers with 400.
                message.Remove("tool_calls");
                notes.Add($"{path}.tool_calls was empty; dropped");
                return false;
            case JsonArray calls:
                for (var i = 0; i < calls.Count; i++) RepairToolCall(calls[i], $"{path}.tool_calls[{i}]", notes);
                return true;
            default:
                throw new ModelReplyException(path + ".tool_calls", "is not an array");
        }
    }

    private static void RepairToolCall(JsonNode? node, string path, List<string> notes)
    {
        if (node is not JsonObject call || call["function"] is not JsonObject function)
            throw new ModelReplyException(path + ".function", "is null or missing");
        if (call["type"] is not JsonValue type || type.GetValueKind() != JsonValueKind.String)
        {
            call["type"] = "function";
            notes.Add($"{path}.type was missing; set to \"function\"");
        }
        if (function["name"] is not JsonValue name || name.GetValueKind() != JsonValueKind.String)
        {
            // The environment refuses the empty name as an unknown tool, which the model then sees.
            function["name"] = "";
            notes.Add($"{path}.function.name was missing; left empty");
        }
        switch (function["arguments"])
        {
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                break;
            case null:
                function["arguments"] = "{}";
                notes.Add($"{path}.function.arguments was missing; taken as {{}}");
                break;
            case var other:
                // The object's own text is what the model wrote; it is kept as the call's raw arguments.
                function["arguments"] = other.ToJsonString();
                notes.Add($"{path}.function.arguments was a JSON {other.GetValueKind().ToString().ToLowerInvariant()}, not a string; taken as its text");
                break;
        }
    }

    private static void RepairFinishReason(JsonObject choice, string path, bool hasCalls, List<string> notes)
    {
        var given = choice["finish_reason"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
        var known = given switch
        {
            "stop" or "length" or "tool_calls" or "content_filter" or "function_call" => given,
            "eos" or "end_turn" or "stop_sequence" => "stop",
            "max_tokens" or "model_length" => "length",
            "tool_use" => "tool_calls",
            _ => null,
        };
        var chosen = known ?? (hasCalls ? "tool_calls" : "stop");
        if (chosen == given) return;
        choice["finish_reason"] = chosen;
        notes.Add($"{path}.finish_reason was {(given is null ? "null or missing" : $"\"{given}\"")}; taken as \"{chosen}\"");
    }
}
