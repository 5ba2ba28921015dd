using System.Text.Json.Nodes;
using AgentGym.Core.Gym;
using AgentGym.Core.Scoring;
using AgentGym.Core.Tasks;

namespace AgentGym.Verifier.Tests;

/// <summary>
/// Shared by the end-to-end tests: a synthetic dataset (an order-1 Markov chain over 32 symbols, so a tiny model
/// learns it in 30 steps and a memoriser of the val split shows a clear held-out gap) and the starting script.
/// </summary>
public sealed class VerificationWorld : IDisposable
{
    public const int Vocab = 32;

    public VerificationWorld()
    {
        Root = Path.Combine(Path.GetTempPath(), "agentgym-verifier-e2e", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(StartDirectory);
        StartScript = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Assets", "tiny_train.py"));
        File.WriteAllText(Path.Combine(StartDirectory, "train_gpt.py"), StartScript);
        var rng = new Random(5);
        var successors = Enumerable.Range(0, Vocab).Select(_ => Enumerable.Range(0, Vocab).OrderBy(_ => rng.Next()).Take(3).ToArray()).ToArray();
        TrueTransitions = [.. successors.Select(next =>
        {
            var row = Enumerable.Repeat(1e-4, Vocab).ToArray();
            row[next[0]] += 0.6; row[next[1]] += 0.3; row[next[2]] += 0.1;
            return row;
        })];
        WriteShard(Path.Combine(DataDirectory, "ds", "visible", "train_000.bin"), Chain(successors, 100_000, 1));
        WriteShard(Path.Combine(DataDirectory, "ds", "visible", "val_000.bin"), Chain(successors, 8192, 2));
        WriteShard(Path.Combine(DataDirectory, "ds", "heldout", "heldout_000.bin"), Chain(successors, 8192, 3));
        File.WriteAllText(Path.Combine(DataDirectory, "ds", "visible", "meta.json"), new JsonObject { ["vocab_size"] = Vocab }.ToJsonString());
    }

    public string Root { get; }
    public string StartScript { get; }
    public string StartDirectory => Path.Combine(Root, "start");
    public string DataDirectory => Path.Combine(Root, "data");

    /// <summary>The transition matrix the data was drawn from: what a precomputed table would smuggle in.</summary>
    public double[][] TrueTransitions { get; }

    /// <summary>
    /// The start sleeps 100 ms in each of its 30 timed steps; the "record" does not. The reference ratio record/baseline
    /// assumes about 20 ms of compute a step, so FSR is about 0 for the start and about 1 without the sleep.
    /// </summary>
    public static TaskManifest Task(int pairs = 1) => new()
    {
        Id = "e2e/tiny",
        Title = "tiny",
        Description = "verifier end-to-end",
        StartingFiles = ["start"],
        EntryCommand = ["python3", "train_gpt.py"],
        Sandbox = new SandboxSettings { Image = DockerEnvironment.TrainingImage },
        Resources = new ResourceSettings { Cpus = 2, MemoryMb = 2048 },
        Data = new DataSettings { Dataset = "ds", ValTokens = 4096 },
        TargetValLoss = 1.6,
        BaselineTime = new TimeStats { MeanMs = 3600 },
        RecordTime = new TimeStats { MeanMs = 600 },
        Verification = new VerificationSettings
        {
            Mode = VerificationModes.Independent,
            Pairs = pairs,
            PValue = 0.05,
            TimeTolerance = 0.1,
            EvalSequenceLength = 32,
            Protected = [new ProtectedRegion { File = "train_gpt.py", StartMarker = "# --- protected: data loading ---", EndMarker = "# --- end protected ---" }],
        },
        TimeLimitSeconds = 300,
    };

    /// <summary>Scores a variant of the starting script (the edit applied to its text).</summary>
    public async Task<SubmissionVerdict> ScoreAsync(Func<string, string> edit, int pairs = 1, IReadOnlyDictionary<string, byte[]>? extraFiles = null)
    {
        var dir = Path.Combine(Root, "submissions", Guid.NewGuid().ToString("N"));
        var code = Path.Combine(dir, "code");
        Directory.CreateDirectory(code);
        var script = edit(StartScript);
        File.WriteAllText(Path.Combine(code, "train_gpt.py"), script);
        foreach (var (name, bytes) in extraFiles ?? new Dictionary<string, byte[]>()) File.WriteAllBytes(Path.Combine(code, name), bytes);
        var task = Task(pairs);
        var submission = new Submission(task, new EpisodeInfo("e2e", task.Id, dir, code, Path.Combine(dir, "trajectory.jsonl"), HintRegime.None, 1),
            code, StartDirectory, null);
        var scorer = SubmissionScorers.Create(TestSandboxes.Docker(), new ScoringOptions
        {
            DataDirectory = DataDirectory,
            VerifierImage = DockerEnvironment.VerifierImage,
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        return await scorer.ScoreAsync(submission, timeout.Token);
    }

    private static ushort[] Chain(int[][] successors, int n, int seed)
    {
        var rng = new Random(seed);
        var tokens = new ushort[n];
        for (var i = 1; i < n; i++)
        {
            var u = rng.NextDouble();
            var next = successors[tokens[i - 1]];
            tokens[i] = (ushort)(u < 0.6 ? next[0] : u < 0.9 ? next[1] : next[2]);
        }
        return tokens;
    }

    private static void WriteShard(string path, ushort[] tokens)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var w = new BinaryWriter(File.Create(path));
        var header = new int[256];
        header[0] = 20240520;
        header[1] = 1;
        header[2] = tokens.Length;
        foreach (var h in header) w.Write(h);
        foreach (var t in tokens) w.Write(t);
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class VerificationCollection : ICollectionFixture<VerificationWorld>
{
    public const string Name = "verification e2e";
}
