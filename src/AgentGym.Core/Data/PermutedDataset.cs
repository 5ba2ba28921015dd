using System.Text.Json.Nodes;
using AgentGym.Core.Json;

namespace AgentGym.Core.Data;

/// <summary>
/// A copy of a prepared dataset with its vocabulary permuted: token t becomes permutation[t] in every split (train,
/// val, held-out), and meta.json's vocab string is reordered to match. A script that trains from scratch learns the
/// permuted problem exactly as well (token ids are arbitrary labels to an embedding table), while a model or table
/// computed before the run, pasted into the script or loaded from a file, scores like noise on it.
/// </summary>
public static class PermutedDataset
{
    /// <summary>A uniformly random permutation of [0, vocabSize) from the seed (Fisher-Yates).</summary>
    public static ushort[] Permutation(int vocabSize, long seed)
    {
        var random = new Random(unchecked((int)(seed ^ (seed >> 32))));
        var permutation = new ushort[vocabSize];
        for (var i = 0; i < vocabSize; i++) permutation[i] = (ushort)i;
        for (var i = vocabSize - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (permutation[i], permutation[j]) = (permutation[j], permutation[i]);
        }
        return permutation;
    }

    /// <summary>
    /// Writes source (a dataset folder with visible/ and heldout/) permuted into destination. Every *.bin shard is
    /// rewritten; meta.json keeps its keys. Throws InvalidDataException for a shard with a token outside the vocabulary.
    /// </summary>
    /// <returns>The vocabulary size read from visible/meta.json.</returns>
    public static int Write(string source, string destination, long seed)
    {
        var metaPath = Path.Combine(source, "visible", "meta.json");
        var meta = JsonNode.Parse(File.ReadAllText(metaPath)) as JsonObject
            ?? throw new InvalidDataException($"{metaPath}: not a JSON object.");
        var vocabSize = meta["vocab_size"]?.GetValue<int>() ?? throw new InvalidDataException($"{metaPath}: no vocab_size.");
        var permutation = Permutation(vocabSize, seed);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            var target = Path.Combine(destination, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (file.EndsWith(".bin", StringComparison.Ordinal))
            {
                var tokens = TokenShard.ReadTokens(file);
                for (var i = 0; i < tokens.Length; i++)
                {
                    if (tokens[i] >= vocabSize) throw new InvalidDataException($"{file}: token {tokens[i]} at {i} is outside the vocabulary of {vocabSize}.");
                    tokens[i] = permutation[tokens[i]];
                }
                TokenShard.Write(target, tokens);
            }
            else if (Path.GetFileName(file) == "meta.json" && relative.StartsWith("visible", StringComparison.Ordinal))
            {
                File.WriteAllText(target, PermuteMeta(meta, permutation).ToJsonString(JsonDefaults.Indented) + "\n");
            }
        }
        return vocabSize;
    }

    private static JsonObject PermuteMeta(JsonObject meta, ushort[] permutation)
    {
        var copy = (JsonObject)meta.DeepClone();
        // The per-split hashes describe the unpermuted files; a permuted copy has none rather than wrong ones.
        copy.Remove("splits");
        if (copy["vocab"]?.GetValue<string>() is { } vocab)
        {
            var symbols = vocab.EnumerateRunes().Select(r => r.ToString()).ToArray();
            if (symbols.Length == permutation.Length)
            {
                var permuted = new string[symbols.Length];
                for (var t = 0; t < symbols.Length; t++) permuted[permutation[t]] = symbols[t];
                copy["vocab"] = string.Concat(permuted);
            }
            else copy.Remove("vocab");
        }
        return copy;
    }
}
