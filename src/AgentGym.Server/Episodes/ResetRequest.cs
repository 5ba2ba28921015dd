using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Core.Gym;
using AgentGym.Core.Tasks;
using AgentGym.Server.Http;

namespace AgentGym.Server.Episodes;

/// <summary>
/// The reset options as the HTTP API and the MCP reset tool both take them, so the two cannot drift apart:
/// { task_id, hints, seed, reward, budgets: { max_steps, wall_clock_seconds, max_training_runs, sandbox_seconds } }.
/// Budgets not given keep the server's defaults.
/// </summary>
internal static class ResetRequest
{
    private static readonly string[] Fields = ["task_id", "hints", "seed", "reward", "budgets"];
    private static readonly string[] BudgetFields = ["max_steps", "wall_clock_seconds", "max_training_runs", "sandbox_seconds"];

    /// <summary>Throws RequestRefused (400) with the reason for anything it cannot accept.</summary>
    public static ResetOptions Parse(JsonElement body, GymOptions gym, string? defaultTaskId)
    {
        RequestBodies.RequireObject(body, "The reset request");
        RequestBodies.RejectUnknown(body, "the reset request", Fields);

        var taskId = RequestBodies.OptionalString(body, "task_id") ?? defaultTaskId
            ?? throw RequestRefused.BadRequest($"'task_id' is required. Known tasks: {KnownTasks(gym.Tasks)}.");
        if (!gym.Tasks.TryGet(taskId, out _))
        {
            string detail;
            try { gym.Tasks.Get(taskId); detail = $"Unknown task '{taskId}'."; }
            catch (KeyNotFoundException ex) { detail = ex.Message; }
            throw RequestRefused.BadRequest(detail);
        }

        var hintsText = RequestBodies.OptionalString(body, "hints");
        if (!HintRegimes.TryParse(hintsText, out var hints))
            throw RequestRefused.BadRequest($"Unknown hint regime '{hintsText}'; use none, L1, L2, L3, L1+L2 or L1+L2+L3.");

        var seed = 1;
        if (body.TryGetProperty("seed", out var seedValue) && seedValue.ValueKind != JsonValueKind.Null)
        {
            if (seedValue.ValueKind != JsonValueKind.Number || !seedValue.TryGetInt32(out seed))
                throw RequestRefused.BadRequest("'seed' must be an integer.");
        }

        var reward = RequestBodies.OptionalString(body, "reward");
        if (reward is not null)
        {
            try { gym.Rewards.Resolve(reward); }
            catch (ArgumentException ex) { throw RequestRefused.BadRequest($"'reward': {ex.Message.Split(" (Parameter", 2)[0]}."); }
        }

        var budgets = gym.DefaultBudgets;
        if (body.TryGetProperty("budgets", out var b) && b.ValueKind != JsonValueKind.Null)
        {
            RequestBodies.RequireObject(b, "'budgets'");
            RequestBodies.RejectUnknown(b, "'budgets'", BudgetFields);
            budgets = budgets with
            {
                MaxSteps = RequestBodies.OptionalInt(b, "max_steps", 1) ?? budgets.MaxSteps,
                MaxTrainingRuns = RequestBodies.OptionalInt(b, "max_training_runs", 0) ?? budgets.MaxTrainingRuns,
                WallClock = RequestBodies.OptionalSeconds(b, "wall_clock_seconds") is { } wall ? TimeSpan.FromSeconds(wall) : budgets.WallClock,
                SandboxTime = RequestBodies.OptionalSeconds(b, "sandbox_seconds") is { } sandbox ? TimeSpan.FromSeconds(sandbox) : budgets.SandboxTime,
            };
        }

        return new ResetOptions { TaskId = taskId, Hints = hints, Seed = seed, Budgets = budgets, Reward = reward };
    }

    private static string KnownTasks(TaskCatalog tasks) =>
        string.Join(", ", tasks.Tasks.Select(t => t.Id).Take(20)) + (tasks.Tasks.Count > 20 ? ", ..." : "");

    /// <summary>The JSON schema of the reset arguments (served by /v1/tools and as the MCP reset tool's input schema).</summary>
    public static JsonObject Schema(string? defaultTaskId) => new()
    {
        ["type"] = "object",
        ["properties"] = new JsonObject
        {
            ["task_id"] = new JsonObject
            {
                ["type"] = "string",
                ["description"] = defaultTaskId is null ? "The task to start (see GET /v1/tasks)." : $"The task to start (default {defaultTaskId}).",
            },
            ["hints"] = new JsonObject
            {
                ["type"] = "string",
                ["enum"] = new JsonArray(HintRegimes.Benchmark.Select(r => (JsonNode)JsonValue.Create(HintRegimes.Format(r))).ToArray()),
                ["description"] = "Which hint levels the task prompt includes (default none).",
            },
            ["seed"] = new JsonObject { ["type"] = "integer", ["description"] = "Episode seed, passed to training scripts as AGENTGYM_SEED (default 1)." },
            ["reward"] = new JsonObject
            {
                ["type"] = "string",
                ["description"] = "Reward function: fsr (default), or shaped (FSR plus loss credit for RL), with parameters as in shaped:loss_weight=0.2,cheat_penalty=1.",
            },
            ["budgets"] = new JsonObject
            {
                ["type"] = "object",
                ["description"] = "Limits after which the episode is truncated; omitted ones keep the server's defaults.",
                ["properties"] = new JsonObject
                {
                    ["max_steps"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1 },
                    ["wall_clock_seconds"] = new JsonObject { ["type"] = "number", ["exclusiveMinimum"] = 0 },
                    ["max_training_runs"] = new JsonObject { ["type"] = "integer", ["minimum"] = 0 },
                    ["sandbox_seconds"] = new JsonObject { ["type"] = "number", ["exclusiveMinimum"] = 0 },
                },
                ["additionalProperties"] = false,
            },
        },
        ["additionalProperties"] = false,
    };
}
