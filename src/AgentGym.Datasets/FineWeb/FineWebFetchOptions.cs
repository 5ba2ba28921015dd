namespace AgentGym.Datasets;

/// <summary>What to download of the speedrun's FineWeb10B shards (GPT-2 tokens), and how hard to try.</summary>
public sealed record FineWebFetchOptions
{
    /// <summary>Train shards in kjj0/fineweb10B-gpt2: fineweb_train_000001.bin .. fineweb_train_000103.bin.</summary>
    public const int DatasetTrainShards = 103;

    public static Uri DefaultBaseUrl { get; } = new("https://huggingface.co/datasets/kjj0/fineweb10B-gpt2/resolve/main/");

    /// <summary>The folder the shards go to (created when missing).</summary>
    public required string Destination { get; init; }

    /// <summary>How many train shards (100M tokens each) besides the val shard; the speedrun's script downloads all 103 by default.</summary>
    public int TrainShards { get; init; } = DatasetTrainShards;

    /// <summary>The folder URL the file names are appended to; a mirror or a local server in tests.</summary>
    public Uri BaseUrl { get; init; } = DefaultBaseUrl;

    /// <summary>Tries per file before it is reported as failed; each retry resumes where the last one stopped.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The wait before the first retry; it doubles with each further retry, up to a minute.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long the server may stay silent (before headers or between reads) before the attempt is abandoned.</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public IProgress<FineWebFetchProgress>? Progress { get; init; }
}

/// <summary>Where a download stands: the file, its place in the list, bytes on disk, and the size when the server said it.</summary>
public sealed record FineWebFetchProgress(string File, int FileIndex, int FileCount, long BytesDone, long? BytesTotal);

public enum ShardFetchStatus
{
    /// <summary>Downloaded in full by this run.</summary>
    Downloaded,

    /// <summary>Completed from a .part file an earlier run left.</summary>
    Resumed,

    /// <summary>Already in place and valid; nothing was downloaded.</summary>
    AlreadyPresent,
}

public sealed record FetchedShard(string File, string Path, long Tokens, ShardFetchStatus Status);

/// <summary>The shards now in place, and one message per file that could not be fetched (naming the file and why).</summary>
public sealed record FineWebFetchResult(IReadOnlyList<FetchedShard> Shards, IReadOnlyList<string> Errors)
{
    public bool Succeeded => Errors.Count == 0;
}
