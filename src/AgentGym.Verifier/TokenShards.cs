using System.Buffers.Binary;
using System.Text.Json;

namespace AgentGym.Verifier;

/// <summary>Reads speedrun token shards: 256 int32 header (magic 20240520, version 1, token count), then uint16 tokens.</summary>
internal static class TokenShards
{
    public const int Magic = 20240520;
    private const int HeaderBytes = 256 * sizeof(int);

    /// <summary>The first <paramref name="count"/> tokens of the files matching the pattern, in name order.</summary>
    public static long[] ReadFirst(string dataDirectory, string pattern, long count)
    {
        var files = Match(dataDirectory, pattern);
        if (files.Count == 0) throw new VerifierInputException($"no files match {pattern} under {dataDirectory}");
        var tokens = new List<long>((int)Math.Min(count, 1 << 24));
        var header = new byte[HeaderBytes];
        foreach (var file in files)
        {
            if (tokens.Count >= count) break;
            using var stream = File.OpenRead(file);
            stream.ReadExactly(header);
            var magic = BinaryPrimitives.ReadInt32LittleEndian(header);
            var version = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(4));
            var n = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8));
            if (magic != Magic) throw new VerifierInputException($"{file}: magic number {magic}, expected {Magic}");
            if (version != 1) throw new VerifierInputException($"{file}: unsupported version {version}");
            var take = (int)Math.Min(n, count - tokens.Count);
            var body = new byte[take * 2];
            stream.ReadExactly(body);
            for (var i = 0; i < take; i++) tokens.Add(BinaryPrimitives.ReadUInt16LittleEndian(body.AsSpan(2 * i)));
        }
        return [.. tokens];
    }

    /// <summary>Files matching a pattern relative to the data folder; the wildcard may appear in the file name only.</summary>
    public static IReadOnlyList<string> Match(string dataDirectory, string pattern)
    {
        var full = Path.Combine(dataDirectory, pattern);
        var directory = Path.GetDirectoryName(full) ?? dataDirectory;
        if (!Directory.Exists(directory)) return [];
        return Directory.GetFiles(directory, Path.GetFileName(full)).Order(StringComparer.Ordinal).ToList();
    }

    public static int? VocabSize(string metaPath)
    {
        if (!File.Exists(metaPath)) return null;
        using var doc = JsonDocument.Parse(File.ReadAllText(metaPath));
        return doc.RootElement.TryGetProperty("vocab_size", out var v) && v.TryGetInt32(out var size) ? size : null;
    }
}

/// <summary>The verifier's inputs (data, arguments) are wrong: a named error in the verdict, not a crash.</summary>
internal sealed class VerifierInputException(string message) : Exception(message);
