using System.Text.Json.Nodes;
using AgentGym.Core.Data;
using AgentGym.Core.Tasks;

namespace AgentGym.Core.Tests.Scoring;

/// <summary>Targets must sit below what counting reaches: `data prepare` records it, the loader enforces it.</summary>
public sealed class TrivialTargetTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "agentgym-trivial-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void Counted_losses_match_a_hand_computed_bigram_table()
    {
        // train "abab...": after a always b, after b always a; val "abba": 3 predictions
        ushort[] train = [.. Enumerable.Range(0, 1000).Select(i => (ushort)(i % 2))];
        ushort[] split = [.. Enumerable.Range(0, 65).Select(i => (ushort)(i % 2 == 0 ? 0 : 1))];
        var losses = ReferenceLosses.Compute(train, split, vocabSize: 2, tokens: 65);
        // every pair in split is a->b or b->a: p = (499.5 + 0.1) / (499.5 + 0.2) for a, (500 + 0.1)/(500 + 0.2) roughly
        Assert.InRange(losses.Bigram, 0.0001, 0.0005);
        Assert.Equal(Math.Log(2), losses.Unigram, 3);
    }

    [Fact]
    public void Data_prepare_records_the_losses_the_quick_and_full_manifests_carry()
    {
        var corpus = Path.Combine(RepoPaths.Root, "data", "tinyshakespeare", "input.txt");
        CharDataset.Prepare(corpus, _root);
        var meta = JsonNode.Parse(File.ReadAllText(Path.Combine(_root, "visible", "meta.json")))!;
        var catalog = TaskCatalog.Load(RepoPaths.Tasks);
        foreach (var (id, prefix) in new[] { ("tiny-shakespeare/record-2-quick", "8192"), ("tiny-shakespeare/record-2", "32768") })
        {
            var task = catalog.Get(id);
            var recorded = meta["reference_losses"]![prefix]!;
            var bigram = Math.Min(recorded["val"]!["bigram"]!.GetValue<double>(), recorded["heldout"]!["bigram"]!.GetValue<double>());
            Assert.Equal(task.Data.ReferenceLosses!.Bigram, bigram, 3);
            Assert.True(task.TargetValLoss <= bigram - TaskLoader.TrivialMargin, $"{id}: target {task.TargetValLoss} vs bigram {bigram}");
        }
    }

    [Fact]
    public void Every_tiny_shakespeare_task_states_its_reference_losses_and_keeps_below_the_bigram()
    {
        var tasks = TaskCatalog.Load(RepoPaths.Tasks).Tasks.Where(t => t.Family == "tiny-shakespeare").ToList();
        Assert.Equal(10, tasks.Count);
        Assert.All(tasks, t => Assert.True(t.TargetValLoss <= t.Data.ReferenceLosses!.Bigram - TaskLoader.TrivialMargin, t.Id));
    }

    [Fact]
    public void The_loader_refuses_a_target_a_bigram_table_reaches()
    {
        var dir = Path.Combine(_root, "tasks", "fam", "easy");
        Directory.CreateDirectory(Path.Combine(dir, "start"));
        Directory.CreateDirectory(Path.Combine(dir, "hints"));
        File.WriteAllText(Path.Combine(dir, "start", "train_gpt.py"), "print()\n");
        File.WriteAllText(Path.Combine(dir, "hints", "level_1_pseudo.txt"), "hint\n");
        var manifest = TestTaskManifests.Tiny("fam/easy");
        manifest["target_val_loss"] = 2.45;
        manifest["data"] = new JsonObject { ["dataset"] = "ds", ["val_tokens"] = 8192, ["reference_losses"] = new JsonObject { ["unigram"] = 3.3, ["bigram"] = 2.4255 } };
        File.WriteAllText(Path.Combine(dir, "task.json"), manifest.ToJsonString());

        var catalog = TaskCatalog.Load(Path.Combine(_root, "tasks"));
        var error = Assert.Single(catalog.Errors);
        Assert.Equal("target_val_loss", error.Field);
        Assert.Contains("above the counted-bigram loss 2.4255 minus the margin 0.05", error.Reason, StringComparison.Ordinal);
    }
}
