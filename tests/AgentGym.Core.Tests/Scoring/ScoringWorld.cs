using System.Globalization;
using System.Text.Json.Nodes;
using AgentGym.Core.Environment;
using AgentGym.Core.Sandboxing;
using AgentGym.Core.Scoring;
using AgentGym.Core.Tasks;
using Microsoft.Extensions.Time.Testing;

namespace AgentGym.Core.Tests.Scoring;

/// <summary>What a scripted run does: lines after delays (ms on the fake clock), then exit after a final delay.</summary>
internal sealed record RunScript
{
    public IReadOnlyList<(double DelayMs, string Line)> Lines { get; init; } = [];
    public double TailMs { get; init; }
    public double HeadMs { get; init; }
    public int ExitCode { get; init; }
    public RunOutcome Outcome { get; init; } = RunOutcome.Succeeded;
    public bool WriteModel { get; init; } = true;
    public bool Throw { get; init; }

    /// <summary>A speedrun log: `steps` steps of stepMs (reported as reportFactor * real), validation every valEvery steps taking valMs with the clock stopped.</summary>
    public static RunScript Speedrun(int steps = 20, double stepMs = 100, double valMs = 300, int valEvery = 10, double valLoss = 1.9,
        double reportFactor = 1.0, double headMs = 2000, double tailMs = 1000)
    {
        var lines = new List<(double, string)>();
        double reported = 0;
        for (var s = 1; s <= steps; s++)
        {
            reported += stepMs * reportFactor;
            lines.Add((stepMs, Inv($"step:{s}/{steps} train_loss:3.0 train_time:{reported:F0}ms step_avg:{reported / s:F2}ms")));
            if (s % valEvery == 0)
                lines.Add((valMs, Inv($"step:{s}/{steps} val_loss:{(s == steps ? valLoss : valLoss + 0.5):F4} train_time:{reported:F0}ms step_avg:{reported / s:F2}ms")));
        }
        return new RunScript { Lines = lines, HeadMs = headMs, TailMs = tailMs };
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// A sandbox for scorer unit tests: training requests play a <see cref="RunScript"/> on a fake clock; requests for
/// the verifier image answer with a canned verifier verdict (or fail, per test).
/// </summary>
internal sealed class ScriptedSandbox(FakeTimeProvider time, Func<SandboxRunRequest, RunScript> training, Func<SandboxRunRequest, RunScript>? verifier = null) : ISandbox
{
    public const string VerifierImage = "agentgym-verifier:test";
    public List<SandboxRunRequest> Requests { get; } = [];

    public string Name => "scripted";

    public Task<SandboxRunResult> RunAsync(SandboxRunRequest request, ISandboxOutput output, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        var script = request.Image == VerifierImage ? (verifier ?? (_ => VerifierSays()))(request) : training(request);
        if (script.Throw) throw new InvalidOperationException("engine unreachable");
        var start = time.GetTimestamp();
        time.Advance(TimeSpan.FromMilliseconds(script.HeadMs));
        foreach (var (delay, line) in script.Lines)
        {
            time.Advance(TimeSpan.FromMilliseconds(delay));
            output.OnLine(new SandboxLine(OutputStream.Stdout, line, time.GetTimestamp()));
        }
        time.Advance(TimeSpan.FromMilliseconds(script.TailMs));
        if (script.WriteModel && request.Image != VerifierImage) File.WriteAllText(Path.Combine(request.OutputDirectory, "model.pt"), "weights");
        var end = time.GetTimestamp();
        return Task.FromResult(new SandboxRunResult(script.Outcome, script.Outcome == RunOutcome.TimedOut ? null : script.ExitCode,
            script.Outcome == RunOutcome.Succeeded && script.ExitCode == 0 ? "exited normally" : $"{script.Outcome}", time.GetElapsedTime(start, end), start, end));
    }

    public static RunScript VerifierSays(double val = 1.9, double heldout = 1.92, bool causal = true, bool loadable = true, params string[] errors) =>
        new()
        {
            TailMs = 500,
            Lines =
            [
                (0, new JsonObject
                {
                    ["model_loadable"] = loadable,
                    ["val_loss"] = loadable ? val : null,
                    ["val_tokens_evaluated"] = 4032,
                    ["heldout_loss"] = loadable ? heldout : null,
                    ["heldout_tokens_evaluated"] = 4032,
                    ["causality"] = loadable ? new JsonObject
                    {
                        ["ok"] = causal, ["max_deviation"] = causal ? 0.0 : 2.5, ["limit"] = 1e-4,
                        ["failures"] = causal ? new JsonArray() : new JsonArray("perturbing tokens after position 0 moved logits at positions <= 0 by 2.5"),
                    } : null,
                    ["errors"] = new JsonArray(errors.Select(e => (JsonNode)JsonValue.Create(e)).ToArray()),
                    ["timings"] = new JsonObject { ["total_ms"] = 400.0 },
                }.ToJsonString()),
            ],
        };
}

/// <summary>A temp folder with a task's starting files, a submission copy, an episode folder and data folders.</summary>
internal sealed class ScoringWorld : IDisposable
{
    public const string StartScript = "import os\n# --- protected: data ---\nVAL_TOKENS = 4096\n# --- end protected ---\nlr = 1e-3\n";

    public ScoringWorld()
    {
        Root = Path.Combine(Path.GetTempPath(), "agentgym-scoring-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(StartDirectory);
        Directory.CreateDirectory(CodeDirectory);
        Directory.CreateDirectory(EpisodeDirectory);
        Directory.CreateDirectory(Path.Combine(DataDirectory, "ds", "visible"));
        Directory.CreateDirectory(Path.Combine(DataDirectory, "ds", "heldout"));
        File.WriteAllText(Path.Combine(StartDirectory, "train_gpt.py"), StartScript);
        File.WriteAllText(Path.Combine(CodeDirectory, "train_gpt.py"), StartScript.Replace("lr = 1e-3", "lr = 3e-3", StringComparison.Ordinal));
    }

    public string Root { get; }
    public string StartDirectory => Path.Combine(Root, "start");
    public string CodeDirectory => Path.Combine(Root, "code");
    public string EpisodeDirectory => Path.Combine(Root, "episode");
    public string DataDirectory => Path.Combine(Root, "data");
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public static TaskManifest Task(string mode = VerificationModes.Log, int repeats = 1, Func<VerificationSettings, VerificationSettings>? edit = null)
    {
        var verification = new VerificationSettings
        {
            Mode = mode,
            Repeats = repeats,
            PValue = 0.05,
            TimeTolerance = 0.1,
            UntimedTolerance = 0.25,
            HeldoutGapTolerance = 0.05,
            EvalSequenceLength = 32,
            Protected = [new ProtectedRegion { File = "train_gpt.py", StartMarker = "--- protected: data ---", EndMarker = "--- end protected ---" }],
        };
        return new TaskManifest
        {
            Id = "test/scoring",
            Title = "scoring",
            Description = "scoring tests",
            StartingFiles = ["start"],
            EntryCommand = ["python3", "train_gpt.py"],
            Sandbox = new SandboxSettings { Image = "agentgym-cpu" },
            Resources = new ResourceSettings { Cpus = 1, MemoryMb = 512 },
            Data = new DataSettings { Dataset = "ds", ValTokens = 4096 },
            TargetValLoss = 2.0,
            BaselineTime = new TimeStats { MeanMs = 4000 },
            RecordTime = new TimeStats { MeanMs = 1000 },
            Verification = edit is null ? verification : edit(verification),
            TimeLimitSeconds = 60,
        };
    }

    public Submission Submission(TaskManifest task) =>
        new(task, new EpisodeInfo("ep-1", task.Id, EpisodeDirectory, CodeDirectory, Path.Combine(EpisodeDirectory, "trajectory.jsonl"), HintRegime.None, 7),
            CodeDirectory, StartDirectory, null);

    public ISubmissionScorer Scorer(ISandbox sandbox, IRewardFunction? reward = null, int? repeats = null) =>
        SubmissionScorers.Create(sandbox, new ScoringOptions
        {
            DataDirectory = DataDirectory,
            VerifierImage = ScriptedSandbox.VerifierImage,
            TimeProvider = Time,
            TimeSlack = TimeSpan.FromMilliseconds(50),
            TimeSlackPerPause = TimeSpan.FromMilliseconds(10),
            Repeats = repeats,
            Reward = reward ?? RewardFunctions.Fsr,
        });

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
