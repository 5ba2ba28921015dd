using System.Text;
using System.Text.Json.Nodes;
using AgentGym.Core.Data;

namespace AgentGym.Core.Tests;

public sealed class CharDatasetTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "agentgym-chars", Guid.NewGuid().ToString("N"));

    public CharDatasetTests() => Directory.CreateDirectory(_dir);

    [Fact]
    public void Splits_any_utf8_text_into_train_val_and_heldout_shards()
    {
        // Non-BMP characters (emoji) must be one token each, not two UTF-16 halves.
        var text = string.Concat(Enumerable.Range(0, 200).Select(i => i % 7 == 0 ? "🙂" : i % 3 == 0 ? "é" : ((char)('a' + i % 26)).ToString()));
        var input = Path.Combine(_dir, "in.txt");
        File.WriteAllText(input, text, new UTF8Encoding(false));

        var result = CharDataset.Prepare(input, Path.Combine(_dir, "out"));
        Assert.Equal(200, result.TotalTokens);
        Assert.Equal(10, result.Splits["val"].Tokens);
        Assert.Equal(10, result.Splits["heldout"].Tokens);
        Assert.Equal(180, result.Splits["train"].Tokens);
        Assert.Equal(28, result.VocabSize);
        Assert.Equal(180, TokenShard.ReadHeader(result.Splits["train"].Path).TokenCount);
        Assert.StartsWith(Path.Combine(_dir, "out", "heldout"), result.Splits["heldout"].Path);

        var meta = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "out", "visible", "meta.json")))!;
        var vocab = meta["vocab"]!.GetValue<string>();
        Assert.Equal(28, vocab.EnumerateRunes().Count());
        Assert.Equal(result.Splits["val"].Sha256, meta["splits"]!["val"]!["sha256"]!.GetValue<string>());

        // Decoding the tokens gives the text back, split by split.
        var runes = vocab.EnumerateRunes().ToArray();
        var decoded = string.Concat(new[] { "train", "val", "heldout" }
            .SelectMany(s => TokenShard.ReadTokens(result.Splits[s].Path)).Select(t => runes[t].ToString()));
        Assert.Equal(text, decoded);
    }

    [Fact]
    public void Is_deterministic()
    {
        var input = Path.Combine(_dir, "in.txt");
        File.WriteAllText(input, string.Concat(Enumerable.Repeat("To be, or not to be: that is the question.\n", 10)));
        var a = CharDataset.Prepare(input, Path.Combine(_dir, "a"));
        var b = CharDataset.Prepare(input, Path.Combine(_dir, "b"));
        Assert.Equal(a.Splits.Select(s => s.Value.Sha256), b.Splits.Select(s => s.Value.Sha256));
        Assert.Equal(a.SourceSha256, b.SourceSha256);
    }

    [Fact]
    public void Refuses_non_utf8_and_tiny_inputs_with_a_clear_message()
    {
        var latin1 = Path.Combine(_dir, "latin1.txt");
        File.WriteAllBytes(latin1, [.. Enumerable.Repeat((byte)'a', 150), 0xE9]);
        var ex = Assert.Throws<InvalidDataException>(() => CharDataset.Prepare(latin1, Path.Combine(_dir, "x")));
        Assert.Contains("not valid UTF-8", ex.Message);
        Assert.Contains("offset 150", ex.Message);

        var tiny = Path.Combine(_dir, "tiny.txt");
        File.WriteAllText(tiny, "hello");
        Assert.Contains("at least 100", Assert.Throws<InvalidDataException>(() => CharDataset.Prepare(tiny, Path.Combine(_dir, "y"))).Message);
        Assert.Throws<FileNotFoundException>(() => CharDataset.Prepare(Path.Combine(_dir, "missing.txt"), Path.Combine(_dir, "z")));
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
