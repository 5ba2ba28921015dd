using System.Text.Json.Nodes;
using AgentGym.Tests.Shared;

namespace AgentGym.Cli.Tests;

/// <summary>
/// The real thing end to end: the shipped quick tiny-shakespeare task, real training in the Docker CPU image, and
/// submissions scored by the verifier. The oracle applies the next record's change; noop submits the start.
/// </summary>
public sealed class OracleVersusNoopTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private const string Task = "tiny-shakespeare/record-2-quick";
    private readonly string _home = Path.Combine(Path.GetTempPath(), "agentgym-oracle-noop", Guid.NewGuid().ToString("N"));

    [DockerFact]
    public async Task Oracle_earns_more_than_noop_on_a_quick_tiny_shakespeare_task()
    {
        var repo = CliPaths.FindRepoRoot(AppContext.BaseDirectory)!;
        var env = new Dictionary<string, string> { ["AGENTGYM_HOME"] = _home };
        var prepare = await CliRunner.RunAsync(repo, env, TimeSpan.FromMinutes(2), "data", "prepare", "tiny-shakespeare");
        Assert.True(prepare.ExitCode == 0, prepare.Stderr);

        var oracle = await RunEpisodeAsync(repo, env, "oracle");
        var noop = await RunEpisodeAsync(repo, env, "noop");
        output.WriteLine($"oracle reward {oracle.Reward} ({oracle.Verdict}), noop reward {noop.Reward} ({noop.Verdict})");

        // FSR is relative to the manifest's measured times, which move with the host's load; the comparison between
        // two episodes run one after the other on the same host is what stays meaningful.
        Assert.True(oracle.Reward > noop.Reward, $"oracle {oracle.Reward} vs noop {noop.Reward}");
        Assert.Equal("passed", oracle.Verdict);
    }

    private static async Task<(double Reward, string? Verdict)> RunEpisodeAsync(string repo, Dictionary<string, string> env, string agent)
    {
        var run = await CliRunner.RunAsync(repo, env, TimeSpan.FromMinutes(12),
            "episode", "--task", Task, "--agent", agent, "--sandbox", "docker", "--json");
        Assert.True(run.ExitCode == 0, $"{agent}: {run.Stderr}\n{run.Stdout}");
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        var summary = lines[^1]["summary"]!;
        Assert.True(summary["terminated"]!.GetValue<bool>(), $"{agent} did not submit: {run.Stdout}");
        var trajectory = File.ReadAllLines(summary["trajectory"]!.GetValue<string>()).Select(l => JsonNode.Parse(l)!).ToList();
        var verdict = trajectory[^1]["info"]?["verdict"]?.GetValue<string>();
        return (summary["reward"]!.GetValue<double>(), verdict);
    }

    public void Dispose()
    {
        try { Directory.Delete(_home, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
