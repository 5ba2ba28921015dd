using System.Text.Json;
using AgentGym.Core.Gym;

namespace AgentGym.Server.Http;

/// <summary>
/// A step body: { "name": tool, "arguments": {...} | "raw JSON text" }. Arguments given as a string pass through
/// untouched, malformed or not: the environment answers bad arguments with an error observation the agent can learn
/// from, which is the gym's contract, so only a body the server cannot read at all is a 400.
/// </summary>
internal static class StepRequest
{
    public static ToolCall Parse(JsonElement body)
    {
        RequestBodies.RequireObject(body, "The step request");
        RequestBodies.RejectUnknown(body, "the step request", "name", "arguments");
        var name = RequestBodies.OptionalString(body, "name");
        if (string.IsNullOrWhiteSpace(name)) throw RequestRefused.BadRequest("'name' (the tool to call) is required; GET /v1/tools lists them.");
        var arguments = !body.TryGetProperty("arguments", out var a) || a.ValueKind == JsonValueKind.Null
            ? "{}"
            : a.ValueKind == JsonValueKind.String ? a.GetString()! : a.GetRawText();
        return new ToolCall(name, arguments);
    }
}
