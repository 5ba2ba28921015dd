using System.Buffers.Binary;
using System.Text.Json.Nodes;
using SkiaSharp;

namespace AgentGym.Eval.Tests;

internal static class Checks
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>A real PNG: the signature, an IHDR with sane dimensions, and a decoder that agrees on them.</summary>
    public static void ValidPng(string path)
    {
        Assert.True(File.Exists(path), $"{path} is missing");
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 1000, $"{path} is only {bytes.Length} bytes");
        Assert.Equal(PngSignature, bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        var width = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4));
        var height = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20, 4));
        Assert.InRange(width, 200, 4000);
        Assert.InRange(height, 200, 4000);
        using var bitmap = SKBitmap.Decode(bytes);
        Assert.NotNull(bitmap);
        Assert.Equal(width, bitmap.Width);
        Assert.Equal(height, bitmap.Height);
        // Not a blank canvas: a plot has many colours.
        var colours = new HashSet<SKColor>();
        for (var y = 0; y < bitmap.Height; y += 7)
            for (var x = 0; x < bitmap.Width; x += 7)
                colours.Add(bitmap.GetPixel(x, y));
        Assert.True(colours.Count > 5, $"{path} looks blank ({colours.Count} colours)");
    }

    /// <summary>Every line is an OpenAI chat-format episode: tool calls answered by tool messages with matching ids.</summary>
    public static List<JsonObject> ValidChatLines(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        foreach (var line in lines)
        {
            var messages = line["messages"]!.AsArray();
            Assert.Equal("user", messages[0]!["role"]!.GetValue<string>());
            var pending = new HashSet<string>();
            var toolMessages = 0;
            foreach (var m in messages.Skip(1).Select(n => n!.AsObject()))
            {
                switch (m["role"]!.GetValue<string>())
                {
                    case "assistant":
                        Assert.Empty(pending); // every earlier call was answered
                        foreach (var call in m["tool_calls"]!.AsArray())
                        {
                            Assert.Equal("function", call!["type"]!.GetValue<string>());
                            Assert.False(string.IsNullOrEmpty(call["function"]!["name"]!.GetValue<string>()));
                            Assert.NotNull(JsonNode.Parse(call["function"]!["arguments"]!.GetValue<string>()));
                            Assert.True(pending.Add(call["id"]!.GetValue<string>()));
                        }
                        break;
                    case "tool":
                        Assert.True(pending.Remove(m["tool_call_id"]!.GetValue<string>()), "a tool message answers no pending call");
                        Assert.NotNull(m["content"]!.GetValue<string>());
                        toolMessages++;
                        break;
                    default:
                        Assert.Fail($"unexpected role {m["role"]}");
                        break;
                }
            }
            Assert.Empty(pending);
            Assert.True(toolMessages > 0);
            Assert.True(line["reward"] is JsonValue);
            var tools = line["tools"]!.AsArray().Select(t => t!["function"]!["name"]!.GetValue<string>()).ToList();
            Assert.Contains("submit", tools);
            Assert.Contains("run_training", tools);
        }
        return lines;
    }
}
