using System.Text.Json.Nodes;

namespace AgentGym.Eval.Tests;

/// <summary>
/// A temporary tasks folder with one quick CPU task: a tiny PyTorch regression (a few dozen steps) that sleeps in its
/// timed loop; its L0 diff removes the sleep, so the oracle beats noop on verified time at the same loss.
/// </summary>
internal sealed class QuickTask : IDisposable
{
    public const string TaskId = "test/quick";

    public const string Script = """
        import os
        import time

        import torch

        torch.set_num_threads(1)
        torch.manual_seed(int(os.environ.get("AGENTGYM_SEED", "1")))
        STEPS = 24
        SLEEP = 0.06

        X = torch.randn(256, 8)
        W = torch.randn(8, 1)
        Y = X @ W + 0.01 * torch.randn(256, 1)
        model = torch.nn.Linear(8, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)


        def val_loss():
            with torch.no_grad():
                return ((model(X) - Y) ** 2).mean().item()


        elapsed = 0.0
        for step in range(1, STEPS + 1):
            t0 = time.perf_counter()
            loss = ((model(X) - Y) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            time.sleep(SLEEP)
            elapsed += time.perf_counter() - t0
            ms = elapsed * 1000
            print(f"step:{step}/{STEPS} train_loss:{loss.item():.4f} train_time:{ms:.0f}ms step_avg:{ms / step:.2f}ms", flush=True)
            if step % 8 == 0:
                print(f"step:{step}/{STEPS} val_loss:{val_loss():.4f} train_time:{ms:.0f}ms step_avg:{ms / step:.2f}ms", flush=True)

        """;

    public const string LevelZero = """
        --- a/train.py
        +++ b/train.py
        @@ -8,3 +8,3 @@
         STEPS = 24
        -SLEEP = 0.06
        +SLEEP = 0.0
         

        """;

    public QuickTask()
    {
        Root = Path.Combine(Path.GetTempPath(), "agentgym-eval-tests", Guid.NewGuid().ToString("N"));
        TasksDirectory = Path.Combine(Root, "tasks");
        var dir = Path.Combine(TasksDirectory, "test", "quick");
        Directory.CreateDirectory(Path.Combine(dir, "start"));
        Directory.CreateDirectory(Path.Combine(dir, "hints"));
        File.WriteAllText(Path.Combine(dir, "start", "train.py"), Script);
        File.WriteAllText(Path.Combine(dir, "hints", "level_0_diff.patch"), LevelZero);
        File.WriteAllText(Path.Combine(dir, "hints", "level_1_pseudo.txt"), "SLEEP <- 0");
        File.WriteAllText(Path.Combine(dir, "hints", "level_2_description.txt"), "The loop sleeps; remove the sleep.");
        File.WriteAllText(Path.Combine(dir, "task.json"), Manifest().ToJsonString());
    }

    public string Root { get; }
    public string TasksDirectory { get; }

    public static JsonObject Manifest() => new()
    {
        ["id"] = TaskId,
        ["title"] = "Quick CPU regression",
        ["description"] = "Reach the target loss faster.",
        ["starting_files"] = new JsonArray("start"),
        ["entry_command"] = new JsonArray("python3", "train.py"),
        ["sandbox"] = new JsonObject { ["image"] = "agentgym-cpu" },
        ["resources"] = new JsonObject { ["cpus"] = 1, ["memory_mb"] = 1024 },
        ["data"] = new JsonObject(),
        ["target_val_loss"] = 0.5,
        // 24 steps x 60 ms of sleep plus the work (measured about 1.64 s in the CPU image); without the sleep, ~25 ms.
        ["baseline_time"] = new JsonObject { ["mean_ms"] = 1650, ["std_ms"] = 80 },
        ["record_time"] = new JsonObject { ["mean_ms"] = 100 },
        ["hints"] = new JsonObject
        {
            ["L0"] = "hints/level_0_diff.patch",
            ["L1"] = "hints/level_1_pseudo.txt",
            ["L2"] = "hints/level_2_description.txt",
        },
        // Generous time tolerances: the verifier's checks have their own tests; here a loaded shared machine (slow
        // imports, late pipe delivery) must not make the eval pipeline's tests flaky.
        ["verification"] = new JsonObject { ["mode"] = "log", ["pairs"] = 1, ["time_tolerance"] = 0.5 },
        ["time_limit_seconds"] = 120,
    };

    public string WriteSpec(string name, string json)
    {
        var path = Path.Combine(Root, name);
        File.WriteAllText(path, json);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
