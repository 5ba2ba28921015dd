using System.Text.Json.Nodes;
using AgentGym.Core.Json;
using AgentGym.Core.Tasks;

namespace AgentGym.Core.Tests;

/// <summary>Issue 13 item 6: every reader refuses unknown and duplicate keys, naming file, key and nearest name.</summary>
public sealed class StrictReaderTests
{
    private static TaskLoadError LoadBroken(TestWorld world, Func<string, string> edit)
    {
        var badDir = Path.Combine(world.TasksDirectory, "test", "typo");
        Directory.CreateDirectory(Path.Combine(badDir, "start"));
        File.WriteAllText(Path.Combine(badDir, "start", "train_gpt.py"), "print(1)\n");
        var manifest = TestWorld.Manifest("test/typo");
        manifest.Remove("hints");
        File.WriteAllText(Path.Combine(badDir, "task.json"), edit(manifest.ToJsonString()));
        var catalog = TaskCatalog.Load(world.TasksDirectory);
        Assert.True(catalog.TryGet(TestWorld.TaskId, out _));
        Assert.False(catalog.TryGet("test/typo", out _));
        var error = Assert.Single(catalog.Errors);
        Assert.EndsWith(Path.Combine("typo", "task.json"), error.File);
        return error;
    }

    [Fact]
    public async Task A_misspelt_protected_key_is_refused_with_the_nearest_name()
    {
        await using var world = new TestWorld();
        var error = LoadBroken(world, json =>
        {
            var node = JsonNode.Parse(json)!.AsObject();
            node["verification"]!["protectd"] = new JsonArray(new JsonObject { ["file"] = "train_gpt.py" });
            return node.ToJsonString();
        });
        Assert.Equal("verification.protectd", error.Field);
        Assert.Contains("did you mean 'protected'?", error.Reason);
    }

    [Fact]
    public async Task A_duplicate_target_val_loss_is_refused_not_last_wins()
    {
        await using var world = new TestWorld();
        var error = LoadBroken(world, json => json.Replace("\"target_val_loss\":", "\"target_val_loss\": 9, \"target_val_loss\":", StringComparison.Ordinal));
        Assert.Equal("target_val_loss", error.Field);
        Assert.Contains("duplicate key", error.Reason);
    }

    [Fact]
    public async Task An_unknown_top_level_key_and_a_duplicate_environment_key_are_refused()
    {
        await using var world = new TestWorld();
        var unknown = LoadBroken(world, json => json.Replace("\"target_val_loss\":", "\"target_val_los\": 1, \"target_val_loss\":", StringComparison.Ordinal));
        Assert.Equal("target_val_los", unknown.Field);
        Assert.Contains("did you mean 'target_val_loss'?", unknown.Reason);

        await using var world2 = new TestWorld();
        var duplicate = LoadBroken(world2, json => json.Replace("\"target_val_loss\":", "\"environment\": {\"A\": \"1\", \"A\": \"2\"}, \"target_val_loss\":", StringComparison.Ordinal));
        Assert.Equal("environment.A", duplicate.Field);
        Assert.Contains("duplicate key", duplicate.Reason);
    }

    [Fact]
    public void A_key_far_from_every_name_lists_the_valid_ones_without_a_guess()
    {
        var ex = Assert.Throws<ConfigException>(() => StrictJson.Read<ProtectedRegion>("""{"file": "a.py", "zzzzzzzzzz": 1}""", "x.json"));
        Assert.Equal("zzzzzzzzzz", ex.Field);
        Assert.DoesNotContain("did you mean", ex.Reason);
        Assert.Contains("file, start_marker, end_marker", ex.Reason);
        Assert.Equal("x.json: zzzzzzzzzz: " + ex.Reason, ex.Message);
    }

    [Theory]
    [InlineData("protectd", "protected")]
    [InlineData("max_turn", "max_turns")]
    [InlineData("Protected", "protected")]
    [InlineData("tagret_val_loss", "target_val_loss")]
    [InlineData("seeds", null)]
    public void Nearest_names_the_close_candidate_only(string typo, string? expected) =>
        Assert.Equal(expected, StrictJson.Nearest(typo, ["protected", "max_turns", "target_val_loss", "repeats"]));
}
