namespace AgentGym.Core.Tests;

/// <summary>Issue 13, item 7: one text rule for the tools that write and the ones that read, in words a model can use.</summary>
public sealed class TextRuleTests
{
    [Fact]
    public async Task Write_file_refuses_a_nul_that_read_file_would_refuse_and_writes_nothing()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var result = await env.StepAsync("write_file", new { path = "n.py", content = "a = 1\nb\0 = 2\n" });
        Assert.True(result.Observation.IsError);
        Assert.Contains("argument 'content' holds a NUL character (\\u0000) at line 2, column 2; files here must be UTF-8 text without NUL characters", result.Observation.Text);
        Assert.False(File.Exists(Path.Combine(env.Episode!.WorkspaceDirectory, "n.py")));

        // The same rule read from the other side: a file with a NUL byte is refused by the readers, saying where.
        await File.WriteAllBytesAsync(Path.Combine(env.Episode.WorkspaceDirectory, "b.bin"), [0x61, 0x00, 0x62]);
        var read = await env.StepAsync("read_file", new { path = "b.bin" });
        Assert.Contains("a NUL byte at offset 1", read.Observation.Text);
        Assert.Contains("UTF-8 text without NUL characters", read.Observation.Text);
    }

    [Theory]
    [InlineData("edit_file", "{\"path\": \"train_gpt.py\", \"old_str\": \"lr = 1e-3\", \"new_str\": \"lr = \\u0000\"}", "argument 'new_str' holds a NUL character")]
    [InlineData("insert_lines", "{\"path\": \"train_gpt.py\", \"line\": 1, \"text\": \"x\\u0000\"}", "argument 'text' holds a NUL character")]
    [InlineData("write_file", "{\"path\": \"s.py\", \"content\": \"x = '\\ud800'\"}", "argument 'content' holds an escape of half a UTF-16 surrogate pair")]
    [InlineData("edit_file", "{\"path\": \"train_gpt.py\", \"old_str\": \"lr\", \"new_str\": \"\\udc00\"}", "argument 'new_str' holds an escape of half a UTF-16 surrogate pair")]
    [InlineData("read_file", "{\"path\": \"train_gpt.py\", \"start_line\": 3000000000}", "argument 'start_line' must be an integer from -2147483648 to 2147483647, got 3000000000")]
    public async Task Bad_text_in_arguments_is_named_in_words_never_as_a_clr_type(string tool, string json, string expected)
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var before = await File.ReadAllTextAsync(Path.Combine(env.Episode!.WorkspaceDirectory, "train_gpt.py"));
        var result = await env.StepRawAsync(tool, json);
        Assert.True(result.Observation.IsError);
        Assert.Contains(expected, result.Observation.Text);
        Assert.DoesNotContain("System.", result.Observation.Text);
        Assert.DoesNotContain("Exception", result.Observation.Text);
        Assert.Equal(before, await File.ReadAllTextAsync(Path.Combine(env.Episode.WorkspaceDirectory, "train_gpt.py")));
    }

    [Fact]
    public async Task A_lone_surrogate_in_the_raw_argument_text_is_named_in_words()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var result = await env.StepRawAsync("write_file", "{\"path\": \"s.py\", \"content\": \"x\uD800\"}");
        Assert.True(result.Observation.IsError);
        Assert.Contains("a lone UTF-16 surrogate (\\uD800) at line 1, column 31", result.Observation.Text);
        Assert.DoesNotContain("Exception", result.Observation.Text);
    }
}
