using System.Text.RegularExpressions;
using AgentGym.Core.Data;
using AgentGym.Core.Runs;
using AgentGym.Core.Sandboxing;

namespace AgentGym.IntegrationTests;

/// <summary>
/// The device-aware tiny-shakespeare records behave on the CPU exactly as the CPU-only scripts did: the first 20 steps
/// of records 1 and 6 (seed 1, the real data, the agentgym-cpu image, 2 CPUs) give the same train losses and val losses,
/// to the 4 decimals they print, as RecordCurves/record_R_seed_1.txt, which holds the output of the scripts before they
/// learned about GPUs (commit 2b34d1f). Regenerate a reference only for a change that is meant to move the CPU curve.
/// </summary>
public sealed partial class RecordCurveTests(DockerSandboxFixture fixture) : IClassFixture<DockerSandboxFixture>, IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("agentgym-curves-").FullName;

    [DockerFact]
    public Task Record_1_cpu_curve_is_unchanged_for_20_steps() => AssertCurveAsync(1);

    [DockerFact]
    public Task Record_6_cpu_curve_is_unchanged_for_20_steps() => AssertCurveAsync(6);

    private async Task AssertCurveAsync(int record)
    {
        var dataset = CharDataset.Prepare(TinyShakespeareInput(), _data);
        var script = File.ReadAllText(Path.Combine(RepoPaths.Tasks, "tiny-shakespeare", "records", $"record_{record}", "train_gpt.py"));
        using var folder = new RunFolder().With("train_gpt.py", script);
        var request = folder.Request(["python3", "train_gpt.py"], timeLimit: TimeSpan.FromMinutes(10),
            limits: new SandboxLimits { Cpus = 2, MemoryMb = 4096, Pids = 512, ShmMb = 256, DiskMb = 256 },
            env: new Dictionary<string, string>
            {
                ["AGENTGYM_TRAIN_FILES"] = "/data/train_*.bin",
                ["AGENTGYM_VAL_FILES"] = "/data/val_*.bin",
                ["AGENTGYM_OUTPUT_DIR"] = "/outputs",
                ["AGENTGYM_SEED"] = "1",
                ["AGENTGYM_MAX_STEPS"] = "20",
                ["AGENTGYM_VAL_EVERY"] = "10",
                ["PYTHONUNBUFFERED"] = "1",
            }) with { DataDirectory = Path.Combine(dataset.Directory, "visible") };
        var output = new CollectingOutput();

        var result = await fixture.Sandbox.RunAsync(request, output, CancellationToken.None);

        Assert.True(result.Outcome == RunOutcome.Succeeded, result.Reason + "\n" + output.All);
        Assert.Contains("device: cpu bf16_autocast: false compile: false n_embd: 128 batch_size: 32", output.Stdout);
        var curve = output.Stdout.Select(l => StepLine().Match(l)).Where(m => m.Success && int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) <= 20)
            .Select(m => $"step:{m.Groups[1].Value} {m.Groups[2].Value}:{m.Groups[3].Value}").ToList();
        var reference = File.ReadAllLines(Path.Combine(RepoPaths.Root, "tests", "AgentGym.IntegrationTests", "RecordCurves", $"record_{record}_seed_1.txt"))
            .Where(l => l.Length > 0).ToList();
        Assert.Equal(22, reference.Count); // 20 train losses and the val losses at steps 10 and 20
        Assert.Equal(reference, curve);
    }

    /// <summary>shared/data/tinyshakespeare/input.txt beside the checkout (or beside a folder above it, for worktrees).</summary>
    private static string TinyShakespeareInput()
    {
        for (var dir = new DirectoryInfo(RepoPaths.Root).Parent; dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", "tinyshakespeare", "input.txt");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"shared/data/tinyshakespeare/input.txt not found beside {RepoPaths.Root} or any folder above it");
    }

    [GeneratedRegex(@"^step:(\d+)/\d+ (train_loss|val_loss):(\d+\.\d{4}) ")]
    private static partial Regex StepLine();

    public void Dispose()
    {
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
