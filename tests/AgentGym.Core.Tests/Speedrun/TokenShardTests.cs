using AgentGym.Core.Data;

namespace AgentGym.Core.Tests.Speedrun;

public sealed class TokenShardTests : IDisposable
{
    private readonly ScratchDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Write_then_read_round_trips_header_and_tokens()
    {
        var tokens = TestShards.Tokens(5000, seed: 1).Append((ushort)65535).ToArray();
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
        var tokens = TestShards.Tokens(300, seed: 2);
        var path = _dir.Combine("exact.bin");

        TokenShard.Write(path, tokens);

        Assert.Equal(TestShards.Bytes(tokens), File.ReadAllBytes(path));
    }

    [Fact]
    public void Write_replaces_an_existing_file_and_leaves_no_temp_files()
    {
        var path = _dir.Combine("replace.bin");
        TokenShard.Write(path, TestShards.Tokens(100, seed: 3));

        TokenShard.Write(path, TestShards.Tokens(10, seed: 4));

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
        var tokens = TestShards.Tokens(100, seed: 5);
        var bytes = kind switch
        {
            "magic" => TestShards.Bytes(tokens, magic: 12345),
            "version" => TestShards.Bytes(tokens, version: 2),
            "short-header" => TestShards.Bytes(tokens)[..500],
            "truncated" => TestShards.Bytes(tokens)[..^2],
            "too-long" => [.. TestShards.Bytes(tokens), 0, 0],
            "negative" => TestShards.Bytes(tokens, announced: -1),
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
