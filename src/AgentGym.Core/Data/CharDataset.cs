using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentGym.Core.Json;

namespace AgentGym.Core.Data;

/// <summary>The result of preparing a character-level dataset: where it went and what each split holds.</summary>
public sealed record PreparedDataset(string Directory, int VocabSize, long TotalTokens, IReadOnlyDictionary<string, PreparedSplit> Splits, string SourceSha256);

public sealed record PreparedSplit(string Path, long Tokens, string Sha256);

/// <summary>
/// Turns any UTF-8 text into character-level tokens in the speedrun shard format, split deterministically into
/// train (about 90%), visible val (5%) and held-out (5%, same size as val). Only visible/ is ever mounted into a
/// training sandbox; heldout/ is for the verifier.
/// </summary>
public static class CharDataset
{
    public const string Format = "agentgym-chars-v1";
    public const int MinimumTokens = 100;

    public static PreparedDataset Prepare(string inputPath, string destination)
    {
        if (!File.Exists(inputPath)) throw new FileNotFoundException($"Input text '{inputPath}' does not exist.", inputPath);
        var raw = File.ReadAllBytes(inputPath);
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(raw);
        }
        catch (DecoderFallbackException ex)
        {
            throw new InvalidDataException($"'{inputPath}' is not valid UTF-8 (invalid byte at offset {ex.Index}).", ex);
        }
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];

        // Code points, not UTF-16 units, so that characters outside the BMP are one token each.
        var runes = text.EnumerateRunes().ToArray();
        if (runes.Length < MinimumTokens)
            throw new InvalidDataException($"'{inputPath}' holds {runes.Length} characters; at least {MinimumTokens} are needed to make three splits.");
        var vocab = runes.Distinct().OrderBy(r => r.Value).ToArray();
        if (vocab.Length > ushort.MaxValue)
            throw new InvalidDataException($"'{inputPath}' has {vocab.Length:N0} distinct characters; uint16 tokens allow at most {ushort.MaxValue:N0}.");
        var index = new Dictionary<Rune, ushort>(vocab.Length);
        for (var i = 0; i < vocab.Length; i++) index[vocab[i]] = (ushort)i;
        var tokens = new ushort[runes.Length];
        for (var i = 0; i < runes.Length; i++) tokens[i] = index[runes[i]];

        var n = tokens.LongLength;
        var valCount = n * 5 / 100;
        var trainCount = n - 2 * valCount;
        var visible = Path.Combine(destination, "visible");
        var heldout = Path.Combine(destination, "heldout");
        System.IO.Directory.CreateDirectory(visible);
        System.IO.Directory.CreateDirectory(heldout);

        var splits = new Dictionary<string, PreparedSplit>(StringComparer.Ordinal)
        {
            ["train"] = WriteSplit(Path.Combine(visible, "train_000.bin"), tokens.AsSpan(0, (int)trainCount)),
            ["val"] = WriteSplit(Path.Combine(visible, "val_000.bin"), tokens.AsSpan((int)trainCount, (int)valCount)),
            ["heldout"] = WriteSplit(Path.Combine(heldout, "heldout_000.bin"), tokens.AsSpan((int)(trainCount + valCount))),
        };
        var sourceHash = Convert.ToHexStringLower(SHA256.HashData(raw));
        var meta = new JsonObject
        {
            ["format"] = Format,
            ["vocab"] = string.Concat(vocab.Select(r => r.ToString())),
            ["vocab_size"] = vocab.Length,
            ["splits"] = new JsonObject(splits.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)new JsonObject
            {
                ["file"] = Path.GetFileName(s.Value.Path),
                ["tokens"] = s.Value.Tokens,
                ["sha256"] = s.Value.Sha256,
            }))),
            ["source_sha256"] = sourceHash,
            ["reference_losses"] = ReferenceLossTable(tokens.AsSpan(0, (int)trainCount), tokens.AsSpan((int)trainCount, (int)valCount),
                tokens.AsSpan((int)(trainCount + valCount)), vocab.Length),
        };
        File.WriteAllText(Path.Combine(visible, "meta.json"), meta.ToJsonString(JsonDefaults.Indented) + "\n");
        return new PreparedDataset(Path.GetFullPath(destination), vocab.Length, n, splits, sourceHash);
    }

    /// <summary>Prefix lengths the reference losses are recorded for: the tasks' val_tokens (quick, full) and the whole split.</summary>
    public static IReadOnlyList<long> ReferencePrefixes { get; } = [8192, 32768, long.MaxValue];

    /// <summary>Counted unigram and bigram losses of the val and held-out splits, by prefix length ("all" for the whole split).</summary>
    private static JsonObject ReferenceLossTable(ReadOnlySpan<ushort> train, ReadOnlySpan<ushort> val, ReadOnlySpan<ushort> heldout, int vocabSize)
    {
        var table = new JsonObject();
        foreach (var prefix in ReferencePrefixes)
        {
            // A split shorter than one window has no loss: null, never NaN, which JSON cannot hold.
            static double? Finite(double x) => double.IsFinite(x) ? Math.Round(x, 4) : null;
            JsonObject Row(ReferenceLosses.Losses l) => new() { ["unigram"] = Finite(l.Unigram), ["bigram"] = Finite(l.Bigram) };
            table[prefix == long.MaxValue ? "all" : prefix.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["val"] = Row(ReferenceLosses.Compute(train, val, vocabSize, prefix)),
                ["heldout"] = Row(ReferenceLosses.Compute(train, heldout, vocabSize, prefix)),
            };
        }
        return table;
    }

    private static PreparedSplit WriteSplit(string path, ReadOnlySpan<ushort> tokens)
    {
        TokenShard.Write(path, tokens);
        using var stream = File.OpenRead(path);
        return new PreparedSplit(path, tokens.Length, Convert.ToHexStringLower(SHA256.HashData(stream)));
    }
}
