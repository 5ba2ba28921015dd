using System.Buffers.Binary;
using AgentGym.Core.Data;

namespace AgentGym.Tests.Shared;

/// <summary>Token shards for tests, built byte by byte as the speedrun writes them (independent of TokenShard.Write).</summary>
internal static class TestShards
{
    /// <summary>A shard's bytes; magic, version and the announced count can be made wrong on purpose.</summary>
    public static byte[] Bytes(ReadOnlySpan<ushort> tokens, int magic = TokenShard.Magic, int version = TokenShard.Version, int? announced = null)
    {
        var bytes = new byte[1024 + 2 * tokens.Length];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, magic);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), version);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), announced ?? tokens.Length);
        for (var i = 0; i < tokens.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(1024 + 2 * i), tokens[i]);
        return bytes;
    }

    /// <summary>count GPT-2-range tokens, different for each seed.</summary>
    public static ushort[] Tokens(int count, int seed) => [.. Enumerable.Range(0, count).Select(i => (ushort)((i * 7919 + seed * 104729) % 50257))];
}
