using System.Text.Json.Serialization;

namespace AgentGym.Core.Tasks;

/// <summary>A task, as written in tasks/&lt;family&gt;/&lt;task&gt;/task.json (snake_case keys).</summary>
public sealed record TaskManifest
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    public required string Description { get; init; }

    /// <summary>Files or directories, relative to the task folder, whose contents become the starting workspace.</summary>
    public required IReadOnlyList<string> StartingFiles { get; init; }

    /// <summary>The command run in /workspace, e.g. ["python3", "train_gpt.py"].</summary>
    public required IReadOnlyList<string> EntryCommand { get; init; }

    public required SandboxSettings Sandbox { get; init; }
    public required ResourceSettings Resources { get; init; }
    public required DataSettings Data { get; init; }
    public required double TargetValLoss { get; init; }
    public required TimeStats BaselineTime { get; init; }
    public required TimeStats RecordTime { get; init; }

    /// <summary>Hint files by level (L0 = ground-truth diff, L1 pseudocode, L2 text, L3 mini-paper), relative to the task folder.</summary>
    public IReadOnlyDictionary<string, string> Hints { get; init; } = new Dictionary<string, string>();

    public required VerificationSettings Verification { get; init; }
    public required int TimeLimitSeconds { get; init; }

    /// <summary>Extra environment variables for the training script (e.g. a quick variant's step budget).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>The folder holding task.json; set by the loader.</summary>
    [JsonIgnore]
    public string Directory { get; init; } = "";

    public string Family => Id.Contains('/') ? Id[..Id.IndexOf('/')] : Id;

    /// <summary>Tagged "import-required": shipped without its scripts and hints (`agentgym tasks import-speedrunner` adds them).</summary>
    [JsonIgnore]
    public bool RequiresImport => Tags.Contains("import-required");
}

public sealed record SandboxSettings
{
    /// <summary>The image, e.g. agentgym-cpu (resolved to the tag of the current recipe) or a full reference.</summary>
    public required string Image { get; init; }
}

public sealed record ResourceSettings
{
    public double Cpus { get; init; } = 2;
    public long MemoryMb { get; init; } = 4096;

    /// <summary>0 for none, a count, or -1 for all GPUs; GpuIds picks devices.</summary>
    public int Gpus { get; init; }
    public IReadOnlyList<string> GpuIds { get; init; } = [];
    public int Pids { get; init; } = 512;
    public long ShmMb { get; init; } = 256;
    public long DiskMb { get; init; } = 1024;
}

public sealed record DataSettings
{
    /// <summary>The dataset folder name under the data root (see `agentgym data prepare`); null when the task needs no data.</summary>
    public string? Dataset { get; init; }
    public string TrainFiles { get; init; } = "train_*.bin";
    public string ValFiles { get; init; } = "val_*.bin";
    public string HeldoutFiles { get; init; } = "heldout_*.bin";
    public long ValTokens { get; init; }

    /// <summary>Counted unigram and bigram losses (`agentgym data prepare` records them): what no training reaches.</summary>
    public ReferenceLossSettings? ReferenceLosses { get; init; }
}

/// <summary>Losses in nats on the first val_tokens of the val and held-out splits (the lower of the two).</summary>
public sealed record ReferenceLossSettings
{
    public required double Unigram { get; init; }
    public required double Bigram { get; init; }
}

public sealed record TimeStats
{
    public required double MeanMs { get; init; }
    public double StdMs { get; init; }
    public int Runs { get; init; }
}

public sealed record VerificationSettings
{
    /// <summary>independent (the verifier scores the exported model) or log (the parsed final val_loss).</summary>
    public required string Mode { get; init; }

    /// <summary>
    /// Timing pairs per verification: each pair runs the starting record, the submission and (when NextRecord is set)
    /// the next record alternately on the same host, on the same permuted data.
    /// </summary>
    public int Pairs { get; init; } = 3;

    /// <summary>The next record's files (relative to the task folder), timed in every pair as FSR's other end; null: the reference ratio.</summary>
    public NextRecordSettings? NextRecord { get; init; }

    /// <summary>Significance level of the held-out loss test (three or more pairs) and of the paired speed test.</summary>
    public double PValue { get; init; } = 0.01;

    /// <summary>How far reported train_time may differ from the host's time over the training steps, as a fraction.</summary>
    public double TimeTolerance { get; init; } = 0.1;

    /// <summary>Largest |reported final val_loss - the verifier's val loss of the exported model| (nats).</summary>
    public double ReportedLossTolerance { get; init; } = 0.01;

    /// <summary>Bytes of source text a submission may hold; null: twice the starting files, at least 32 KiB.</summary>
    public long? SourceBudgetBytes { get; init; }

    public int EvalSequenceLength { get; init; } = 64;

    public IReadOnlyList<ProtectedRegion> Protected { get; init; } = [];

    /// <summary>What the optional code review may do to the reward on this task; null: report only.</summary>
    public ReviewSettings? Review { get; init; }
}

public sealed record NextRecordSettings
{
    /// <summary>Files or directories, relative to the task folder, that make the next record's workspace.</summary>
    public required IReadOnlyList<string> StartingFiles { get; init; }
}

/// <summary>A file (whole, or the lines between two marker lines) that a submission must leave unchanged.</summary>
public sealed record ProtectedRegion
{
    public required string File { get; init; }
    public string? StartMarker { get; init; }
    public string? EndMarker { get; init; }
}

public static class VerificationModes
{
    public const string Independent = "independent";
    public const string Log = "log";
}
