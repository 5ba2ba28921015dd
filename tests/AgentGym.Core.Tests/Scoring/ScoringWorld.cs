using System.Globalization;
using System.Text.Json.Nodes;
using AgentGym.Core.Gym;
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

    /// <summary>
    /// A speedrun log: `steps` steps of stepMs (reported as reportFactor * real, or always fixedReportMs), validation
    /// every valEvery steps taking valMs with the clock stopped; headMs before the first line, tailMs after the last.
    /// </summary>
    public static RunScript Speedrun(int steps = 20, double stepMs = 100, double valMs = 300, int valEvery = 10, double valLoss = 1.9,
        double reportFactor = 1.0, double headMs = 2000, double tailMs = 1000, double? fixedReportMs = null)
    {
        var lines = new List<(double, string)>();
        double reported = 0;
        for (var s = 1; s <= steps; s++)
        {
            reported = fixedReportMs ?? reported + stepMs * reportFactor;
            lines.Add((stepMs, Inv($"step:{s}/{steps} train_loss:3.0 train_time:{reported:F0}ms step_avg:{reported / s:F2}ms")));
            if (s % valEvery == 0)
                lines.Add((valMs, Inv($"step:{s}/{steps} val_loss:{(s == steps ? valLoss : valLoss + 0.5):F4} train_time:{reported:F0}ms step_avg:{reported / s:F2}ms")));
        }
        return new RunScript { Lines = lines, HeadMs = headMs, TailMs = tailMs };
    }

    /// <summary>The same run on a host `factor` times slower: every delay scales.</summary>
    public RunScript Slower(double factor) => this with
    {
        HeadMs = HeadMs * factor,
        TailMs = TailMs * factor,
        Lines = [.. Lines.Select(l => (l.DelayMs * factor, Rescale(l.Line, factor)))],
    };

    private static string Rescale(string line, double factor) =>
        System.Text.RegularExpressions.Regex.Replace(line, @"train_time:(\d+)ms", m => Inv($"train_time:{double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * factor:F0}ms"));

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

    /// <summary>Which run of a verification pair a request is: start, submission, next or model (the verifier).</summary>
    public static string Role(SandboxRunRequest request) => request.RunId.Split('-')[^1];

    public static int Pair(SandboxRunRequest request) => int.Parse(request.RunId.Split('-')[1], CultureInfo.InvariantCulture);

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

    public static RunScript VerifierSays(double val = 1.9, double heldout = 1.85, bool causal = true, bool loadable = true, params string[] errors)
    {
        var report = new VerifierReport
        {
            ModelLoadable = loadable,
            ValLoss = loadable ? val : null,
            ValTokensEvaluated = 4032,
            HeldoutLoss = loadable ? heldout : null,
            HeldoutTokensEvaluated = 4032,
            Causality = loadable
                ? new CausalityReport(causal, causal ? 0 : 2.5, 1e-4, 1e-4, [.. Enumerable.Range(0, 31)], 0,
                    causal ? [] : ["perturbing tokens after position 0 moved logits at positions <= 0 by 2.5"])
                : null,
            Timings = { ["total_ms"] = 400 },
        };
        report.Errors.AddRange(errors);
        return new RunScript { TailMs = 500, Lines = [(0, report.ToJson())] };
    }
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
        Directory.CreateDirectory(Path.Combine(TasksDirectory, "next"));
        File.WriteAllText(Path.Combine(TasksDirectory, "next", "train_gpt.py"), StartScript.Replace("lr = 1e-3", "lr = 6e-3", StringComparison.Ordinal));
        // A small dataset: 8 symbols, train/val/held-out shards and meta.json, as `data prepare` writes them.
        ushort[] Tokens(int n, int offset) => [.. Enumerable.Range(0, n).Select(i => (ushort)((i * 3 + offset) % 8))];
        Data.TokenShard.Write(Path.Combine(DataDirectory, "ds", "visible", "train_000.bin"), Tokens(4000, 0));
        Data.TokenShard.Write(Path.Combine(DataDirectory, "ds", "visible", "val_000.bin"), Tokens(500, 1));
        Data.TokenShard.Write(Path.Combine(DataDirectory, "ds", "heldout", "heldout_000.bin"), Tokens(500, 2));
        File.WriteAllText(Path.Combine(DataDirectory, "ds", "visible", "meta.json"), """{ "vocab": "abcdefgh", "vocab_size": 8 }""");
    }

    /// <summary>The task folder: the next record's files live under next/.</summary>
    public string TasksDirectory => Path.Combine(Root, "task");

    public string Root { get; }
    public string StartDirectory => Path.Combine(Root, "start");
    public string CodeDirectory => Path.Combine(Root, "code");
    public string EpisodeDirectory => Path.Combine(Root, "episode");
    public string DataDirectory => Path.Combine(Root, "data");
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>Start record 4000 ms of reported training (40 steps), next record 1000 ms (10 steps): see <see cref="ScriptedRecords"/>.</summary>
    public TaskManifest Task(string mode = VerificationModes.Independent, int pairs = 1, bool next = true, Func<VerificationSettings, VerificationSettings>? edit = null)
    {
        var verification = new VerificationSettings
        {
            Mode = mode,
            Pairs = pairs,
            NextRecord = next ? new NextRecordSettings { StartingFiles = ["next/train_gpt.py"] } : null,
            PValue = 0.05,
            TimeTolerance = 0.1,
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
            Directory = TasksDirectory,
        };
    }

    /// <summary>
    /// Plays the task's records: the start trains 40 steps (4000 ms), the next record 10 (1000 ms), each with the
    /// same set-up, validation and export as the start; the submission plays what the test gives.
    /// </summary>
    public static Func<SandboxRunRequest, RunScript> ScriptedRecords(Func<SandboxRunRequest, RunScript> submission, double hostFactor = 1) =>
        r => (ScriptedSandbox.Role(r) switch
        {
            "start" => RunScript.Speedrun(steps: 40),
            "next" => RunScript.Speedrun(steps: 10),
            _ => submission(r),
        }).Slower(hostFactor);

    public Submission Submission(TaskManifest task) =>
        new(task, new EpisodeInfo("ep-1", task.Id, EpisodeDirectory, CodeDirectory, Path.Combine(EpisodeDirectory, "trajectory.jsonl"), HintRegime.None, 7),
            CodeDirectory, StartDirectory, null);

    public ISubmissionScorer Scorer(ISandbox sandbox, IRewardFunction? reward = null, int? pairs = null) =>
        SubmissionScorers.Create(sandbox, new ScoringOptions
        {
            DataDirectory = DataDirectory,
            VerifierImage = ScriptedSandbox.VerifierImage,
            TimeProvider = Time,
            TimeSlack = TimeSpan.FromMilliseconds(50),
            Pairs = pairs,
            PermutationSeed = 42,
            Reward = reward ?? RewardFunctions.Fsr,
        });

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
