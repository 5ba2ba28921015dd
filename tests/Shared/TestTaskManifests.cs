using System.Text.Json.Nodes;

namespace AgentGym.Tests.Shared;

/// <summary>The manifest of the small test task the unit-test worlds write (start/, hints/level_1_pseudo.txt).</summary>
internal static class TestTaskManifests
{
    public static JsonObject Tiny(string id) => new()
    {
        ["id"] = id,
        ["title"] = "Tiny test task",
        ["description"] = "Make it faster.",
        ["starting_files"] = new JsonArray("start"),
        ["entry_command"] = new JsonArray("python3", "train_gpt.py"),
        ["sandbox"] = new JsonObject { ["image"] = "agentgym-cpu" },
        ["resources"] = new JsonObject { ["cpus"] = 1, ["memory_mb"] = 512 },
        ["data"] = new JsonObject { ["val_tokens"] = 1000 },
        ["target_val_loss"] = 2.0,
        ["baseline_time"] = new JsonObject { ["mean_ms"] = 10000, ["std_ms"] = 100 },
        ["record_time"] = new JsonObject { ["mean_ms"] = 8000 },
        ["hints"] = new JsonObject { ["L1"] = "hints/level_1_pseudo.txt" },
        ["verification"] = new JsonObject { ["mode"] = "log" },
        ["time_limit_seconds"] = 60,
    };
}
