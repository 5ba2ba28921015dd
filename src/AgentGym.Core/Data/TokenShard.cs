using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace AgentGym.Core.Data;

/// <summary>The header of a speedrun token shard: 256 little-endian int32 (magic, version, token count, zeros), then uint16 tokens.</summary>
public sealed record TokenShardHeader(int Magic, int Version, long TokenCount)
{
    /// <summary>The size a shard with this many tokens must have on disk.</summary>
    public long ExpectedFileLength => TokenShard.HeaderBytes + 2 * TokenCount;
}

/// <summary>
/// Reads and writes the modded-nanogpt .bin shard format (the one `data/cached_fineweb10B.py`
/// downloads), used for every task's data, so that training scripts and the verifier read one format.
/// </summary>
public static class TokenShard
{
    public const int Magic = 20240520;
    public const int Version = 1;
    public const int HeaderInts = 256;
    public const int HeaderBytes = HeaderInts * sizeof(int);

    /// <summary>Reads and checks the header of a shard: magic, version, and that the file holds exactly the tokens it announces.</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed shard; the message names the file and what is wrong.</exception>
    public static TokenShardHeader ReadHeader(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.None);
        return ReadHeader(stream, path);
    }

    /// <summary>Writes a shard: the header, then the tokens as little-endian uint16. The file is replaced whole or not at all.</summary>
    public static void Write(string path, ReadOnlySpan<ushort> tokens)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        // Written next to the target then renamed, so a reader never sees a half-written shard.
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Span<byte> header = stackalloc byte[HeaderBytes];
                header.Clear();
                BinaryPrimitives.WriteInt32LittleEndian(header, Magic);
                BinaryPrimitives.WriteInt32LittleEndian(header[4..], Version);
                BinaryPrimitives.WriteInt32LittleEndian(header[8..], tokens.Length);
                stream.Write(header);
                if (BitConverter.IsLittleEndian)
                {
                    stream.Write(MemoryMarshal.AsBytes(tokens));
                }
                else
                {
                    var buffer = new byte[2 * Math.Min(tokens.Length, 1 << 16)];
                    for (var start = 0; start < tokens.Length; start += buffer.Length / 2)
                    {
                        var chunk = tokens.Slice(start, Math.Min(buffer.Length / 2, tokens.Length - start));
                        for (var i = 0; i < chunk.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(2 * i), chunk[i]);
                        stream.Write(buffer, 0, 2 * chunk.Length);
                    }
                }
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>All tokens of a checked shard (tests and small CPU datasets; a FineWeb shard is 100M tokens).</summary>
    internal static ushort[] ReadTokens(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var header = ReadHeader(stream, path);
        var tokens = new ushort[header.TokenCount];
        stream.ReadExactly(MemoryMarshal.AsBytes(tokens.AsSpan()));
        if (!BitConverter.IsLittleEndian)
            for (var i = 0; i < tokens.Length; i++) tokens[i] = BinaryPrimitives.ReverseEndianness(tokens[i]);
        return tokens;
    }

    /// <summary>Like ReadHeader, but answers with the reason instead of throwing (for callers that report many files).</summary>
    public static bool TryReadHeader(string path, [NotNullWhen(true)] out TokenShardHeader? header, [NotNullWhen(false)] out string? error)
    {
        try
        {
            header = ReadHeader(path);
            error = null;
            return true;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            header = null;
            error = ex.Message;
            return false;
        }
    }

    private static TokenShardHeader ReadHeader(FileStream stream, string path)
    {
        var length = stream.Length;
        if (length < HeaderBytes)
            throw new InvalidDataException($"{path}: {length} bytes, shorter than the {HeaderBytes}-byte shard header.");
        Span<byte> bytes = stackalloc byte[HeaderBytes];
        stream.ReadExactly(bytes);
        var magic = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        var version = BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]);
        var tokens = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        if (magic != Magic)
            throw new InvalidDataException($"{path}: magic number {magic}, expected {Magic}: not a speedrun token shard.");
        if (version != Version)
            throw new InvalidDataException($"{path}: shard version {version}, expected {Version}.");
        if (tokens < 0)
            throw new InvalidDataException($"{path}: negative token count {tokens} in the header.");
        var header = new TokenShardHeader(magic, version, tokens);
        if (length != header.ExpectedFileLength)
            throw new InvalidDataException(
                $"{path}: {length} bytes, but the header announces {tokens} tokens ({header.ExpectedFileLength} bytes): the file is {(length < header.ExpectedFileLength ? "truncated" : "longer than its header says")}.");
        return header;
    }
}
