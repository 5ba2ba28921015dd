using System.Buffers.Binary;
using AgentGym.Core.Data;

namespace AgentGym.Core.Tests.Speedrun;

public sealed class TokenShardTests : IDisposable
{
    private readonly ScratchDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A shard as the speedrun writes it, byte by byte, independent of TokenShard.Write.</summary>
    internal static byte[] ShardBytes(ReadOnlySpan<ushort> tokens, int magic = TokenShard.Magic, int version = TokenShard.Version, int? announced = null)
    {
        var bytes = new byte[1024 + 2 * tokens.Length];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, magic);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), version);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), announced ?? tokens.Length);
        for (var i = 0; i < tokens.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(1024 + 2 * i), tokens[i]);
        return bytes;
    }

    internal static ushort[] Tokens(int count, int seed) => [.. Enumerable.Range(0, count).Select(i => (ushort)((i * 7919 + seed * 104729) % 50257))];

    [Fact]
    public void Write_then_read_round_trips_header_and_tokens()
    {
        var tokens = Tokens(5000, seed: 1).Append((ushort)65535).ToArray();
        var path = _dir.Combine("sub", "shard.bin");

        TokenShard.Write(path, tokens);

        var header = TokenShard.ReadHeader(path);
        Assert.Equal(new TokenShardHeader(20240520, 1, tokens.Length), header);
        Assert.Equal(1024 + 2 * tokens.Length, new FileInfo(path).Length);
        Assert.Equal(tokens, TokenShard.ReadTokens(path));
    }

    [Fact]
    public void Write_produces_the_speedrun_layout_exactly()
    {
        var tokens = Tokens(300, seed: 2);
        var path = _dir.Combine("exact.bin");

        TokenShard.Write(path, tokens);

        Assert.Equal(ShardBytes(tokens), File.ReadAllBytes(path));
    }

    [Fact]
    public void Write_replaces_an_existing_file_and_leaves_no_temp_files()
    {
        var path = _dir.Combine("replace.bin");
        TokenShard.Write(path, Tokens(100, seed: 3));

        TokenShard.Write(path, Tokens(10, seed: 4));

        Assert.Equal(10, TokenShard.ReadHeader(path).TokenCount);
        Assert.Equal(["replace.bin"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Empty_shard_is_valid()
    {
        var path = _dir.Combine("empty.bin");
        TokenShard.Write(path, ReadOnlySpan<ushort>.Empty);
        Assert.Equal(0, TokenShard.ReadHeader(path).TokenCount);
        Assert.Equal(1024, new FileInfo(path).Length);
    }

    [Theory]
    [InlineData("magic", "magic number 12345")]
    [InlineData("version", "version 2")]
    [InlineData("short-header", "shorter than the 1024-byte shard header")]
    [InlineData("truncated", "truncated")]
    [InlineData("too-long", "longer than its header says")]
    [InlineData("negative", "negative token count")]
    public void ReadHeader_rejects_malformed_shards_naming_the_file(string kind, string expected)
    {
        var tokens = Tokens(100, seed: 5);
        var bytes = kind switch
        {
            "magic" => ShardBytes(tokens, magic: 12345),
            "version" => ShardBytes(tokens, version: 2),
            "short-header" => ShardBytes(tokens)[..500],
            "truncated" => ShardBytes(tokens)[..^2],
            "too-long" => [.. ShardBytes(tokens), 0, 0],
            "negative" => ShardBytes(tokens, announced: -1),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var path = _dir.Combine(kind + ".bin");
        File.WriteAllBytes(path, bytes);

        var ex = Assert.Throws<InvalidDataException>(() => TokenShard.ReadHeader(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.False(TokenShard.TryReadHeader(path, out _, out var error));
        Assert.Equal(ex.Message, error);
    }
}
