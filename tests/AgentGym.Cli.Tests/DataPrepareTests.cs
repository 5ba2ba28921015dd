using System.Text.Json.Nodes;

namespace AgentGym.Cli.Tests;

/// <summary>
/// `data prepare tiny-shakespeare` with no --input reads the corpus the repository ships, so a clone with nothing
/// beside it can prepare the main job's data.
/// </summary>
public sealed class DataPrepareTests : IDisposable
{
    // The sha256 of data/tinyshakespeare/input.txt as published (data/tinyshakespeare/README.md).
    private const string CorpusSha256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed";
    private readonly string _home = Path.Combine(Path.GetTempPath(), "agentgym-data-prepare", Guid.NewGuid().ToString("N"));
    private readonly string _repo = CliPaths.FindRepoRoot(AppContext.BaseDirectory)!;

    public void Dispose()
    {
        try { Directory.Delete(_home, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private string Data => Path.Combine(_home, "data");

    private Dictionary<string, string> Env => new() { ["AGENTGYM_HOME"] = _home, ["AGENTGYM_DATA"] = Data };

    [Fact]
    public async Task Tiny_shakespeare_is_prepared_from_the_corpus_inside_the_repository_by_default()
    {
        var run = await CliRunner.RunAsync(_repo, Env, "data", "prepare", "tiny-shakespeare");

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains($"from {Path.Combine(_repo, "data", "tinyshakespeare", "input.txt")}", run.Stdout, StringComparison.Ordinal);
        var meta = JsonNode.Parse(File.ReadAllText(Path.Combine(Data, "tiny-shakespeare", "visible", "meta.json")))!;
        Assert.Equal(CorpusSha256, meta["source_sha256"]!.GetValue<string>());
        Assert.Equal(65, meta["vocab_size"]!.GetValue<int>());
        Assert.Equal(1_003_856, meta["splits"]!["train"]!["tokens"]!.GetValue<int>());
        Assert.Equal(55_769, meta["splits"]!["val"]!["tokens"]!.GetValue<int>());
        Assert.True(File.Exists(Path.Combine(Data, "tiny-shakespeare", "heldout", "heldout_000.bin")));
    }

    [Fact]
    public async Task An_unknown_dataset_without_input_fails_with_a_message_naming_it()
    {
        var run = await CliRunner.RunAsync(_repo, Env, "data", "prepare", "war-and-peace");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("error: no default input for 'war-and-peace'; pass --input <text file>.", run.Stderr.Trim());
    }
}
