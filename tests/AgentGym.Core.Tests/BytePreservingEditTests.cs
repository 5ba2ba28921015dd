using System.Text;
using AgentGym.Core.Gym;

namespace AgentGym.Core.Tests;

/// <summary>Issue 13, item 4: an edit changes the bytes it was asked to change, and no others.</summary>
public sealed class BytePreservingEditTests
{
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private static async Task<(TestWorld World, IGymEnvironment Env, string Path)> WithFileAsync(byte[] bytes)
    {
        var world = new TestWorld();
        var env = await world.ResetAsync();
        var path = Path.Combine(env.Episode!.WorkspaceDirectory, "f.py");
        await File.WriteAllBytesAsync(path, bytes);
        return (world, env, path);
    }

    [Fact]
    public async Task An_edit_in_a_file_with_one_crlf_line_changes_no_other_ending()
    {
        var (world, env, path) = await WithFileAsync(Encoding.UTF8.GetBytes("a = 1\r\nb = 2\nc = 3\n"));
        await using (world) await using (env)
        {
            var result = await env.StepAsync("edit_file", new { path = "f.py", old_str = "c = 3", new_str = "c = 4\nd = 5" });
            Assert.False(result.Observation.IsError, result.Observation.Text);
            Assert.Equal("a = 1\r\nb = 2\nc = 4\nd = 5\n", await File.ReadAllTextAsync(path));

            await env.StepAsync("edit_file", new { path = "f.py", old_str = "a = 1\nb = 2", new_str = "a = 9\nb = 8" });
            Assert.Equal("a = 9\r\nb = 8\nc = 4\nd = 5\n", await File.ReadAllTextAsync(path));
        }
    }

    [Fact]
    public async Task A_bom_survives_edits_and_writes()
    {
        var (world, env, path) = await WithFileAsync([.. Bom, .. Utf8("x = 1\n")]);
        await using (world) await using (env)
        {
            await env.StepAsync("edit_file", new { path = "f.py", old_str = "x = 1", new_str = "x = 2" });
            Assert.Equal(Bom.Concat(Utf8("x = 2\n")).ToArray(), await File.ReadAllBytesAsync(path));
            await env.StepAsync("insert_lines", new { path = "f.py", line = 0, text = "import os" });
            Assert.Equal(Bom.Concat(Utf8("import os\nx = 2\n")).ToArray(), await File.ReadAllBytesAsync(path));
            await env.StepAsync("write_file", new { path = "f.py", content = "y = 3\n" });
            Assert.Equal(Bom.Concat(Utf8("y = 3\n")).ToArray(), await File.ReadAllBytesAsync(path));
        }
    }

    [Fact]
    public async Task Insert_lines_keeps_a_missing_final_newline_missing()
    {
        var (world, env, path) = await WithFileAsync(Utf8("a\r\nb"));
        await using (world) await using (env)
        {
            await env.StepAsync("insert_lines", new { path = "f.py", line = 2, text = "c\n" });
            Assert.Equal("a\r\nb\r\nc", await File.ReadAllTextAsync(path));
            await env.StepAsync("insert_lines", new { path = "f.py", line = 1, text = "x\ny" });
            Assert.Equal("a\r\nx\r\ny\r\nb\r\nc", await File.ReadAllTextAsync(path));
        }
    }

    [Fact]
    public async Task Diff_shows_ending_bom_and_final_newline_changes()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var path = Path.Combine(env.Episode!.WorkspaceDirectory, "train_gpt.py");
        var start = await File.ReadAllTextAsync(path);

        // One line's ending changed to CRLF, nothing else.
        await File.WriteAllTextAsync(path, start.Replace("lr = 1e-3\n", "lr = 1e-3\r\n", StringComparison.Ordinal));
        var crlf = (await env.StepAsync("diff")).Observation.Text;
        Assert.Contains("-lr = 1e-3\n+lr = 1e-3\u240D\n", crlf);

        // The final newline removed.
        await File.WriteAllTextAsync(path, start.TrimEnd('\n'));
        var final = (await env.StepAsync("diff")).Observation.Text;
        Assert.Contains("-# line 40\n+# line 40\n\\ No newline at end of file", final);

        // A BOM added.
        await File.WriteAllBytesAsync(path, [.. Bom, .. Encoding.UTF8.GetBytes(start)]);
        var bom = (await env.StepAsync("diff")).Observation.Text;
        Assert.Equal("--- a/train_gpt.py\n+++ b/train_gpt.py\n(the UTF-8 byte order mark was added)", bom);
    }

    /// <summary>A random file and a random edit leave every byte outside the edited span unchanged.</summary>
    [Fact]
    public async Task Property_random_edits_change_only_their_span()
    {
        var random = new Random(1313);
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync(budgets: new EpisodeBudgets { MaxSteps = 100_000 });
        var path = Path.Combine(env.Episode!.WorkspaceDirectory, "p.py");
        string[] pieces = ["a", "b", "é", "😀", " ", "\t", "x1", "=", "\r"];
        var cases = 0;
        for (var trial = 0; cases < 300 && trial < 2000; trial++)
        {
            var sb = new StringBuilder();
            var lineCount = random.Next(1, 8);
            for (var l = 0; l < lineCount; l++)
            {
                for (var k = random.Next(0, 6); k > 0; k--) sb.Append(pieces[random.Next(pieces.Length)]);
                sb.Append(l == lineCount - 1 && random.Next(2) == 0 ? "" : random.Next(2) == 0 ? "\r\n" : "\n");
            }
            var text = sb.ToString();
            if (text.Contains("\r\r\n", StringComparison.Ordinal) || text.EndsWith('\r')) continue;
            var bom = random.Next(4) == 0;
            var original = (bom ? Bom : []).Concat(Encoding.UTF8.GetBytes(text)).ToArray();
            await File.WriteAllBytesAsync(path, original);

            if (text.Length > 0 && random.Next(2) == 0)
            {
                // edit_file: a span of whole characters that does not split a "\r\n" or a surrogate pair.
                var s = random.Next(text.Length);
                var e = random.Next(s + 1, text.Length + 1);
                if (Splits(text, s) || Splits(text, e)) continue;
                var oldStr = text[s..e].Replace("\r\n", "\n", StringComparison.Ordinal);
                var view = text.Replace("\r\n", "\n", StringComparison.Ordinal);
                if (view.IndexOf(oldStr, StringComparison.Ordinal) != view.LastIndexOf(oldStr, StringComparison.Ordinal)) continue;
                var newStr = random.Next(3) == 0 ? "" : "NEW" + (random.Next(2) == 0 ? "\nline" : "");
                var result = await env.StepAsync("edit_file", new { path = "p.py", old_str = oldStr, new_str = newStr });
                Assert.False(result.Observation.IsError, result.Observation.Text);
                var prefix = original[..((bom ? 3 : 0) + Encoding.UTF8.GetByteCount(text[..s]))];
                var suffix = Encoding.UTF8.GetBytes(text[e..]);
                var now = await File.ReadAllBytesAsync(path);
                Assert.True(now.AsSpan().StartsWith(prefix) && now.AsSpan().EndsWith(suffix) && now.Length >= prefix.Length + suffix.Length,
                    $"case {trial}: edit of [{s},{e}) in {Escape(text)} gave {Escape(Encoding.UTF8.GetString(now))}");
                var middle = Encoding.UTF8.GetString(now[prefix.Length..^suffix.Length]).Replace("\r\n", "\n", StringComparison.Ordinal);
                Assert.Equal(newStr, middle);
            }
            else
            {
                // insert_lines at a random line boundary: the old bytes before and after it stay as they were.
                var lines = text.Length == 0 ? 0 : text.Split('\n').Length - (text.EndsWith('\n') ? 1 : 0);
                var after = random.Next(0, lines + 1);
                var result = await env.StepAsync("insert_lines", new { path = "p.py", line = after, text = "INS" });
                Assert.False(result.Observation.IsError, result.Observation.Text);
                var at = 0;
                for (var k = 0; k < after; k++) at = text.IndexOf('\n', at) is var nl and >= 0 ? nl + 1 : text.Length;
                var prefix = original[..((bom ? 3 : 0) + Encoding.UTF8.GetByteCount(text[..at]))];
                var suffix = Encoding.UTF8.GetBytes(text[at..]);
                var now = await File.ReadAllBytesAsync(path);
                Assert.True(now.AsSpan().StartsWith(prefix) && now.AsSpan().EndsWith(suffix),
                    $"case {trial}: insert after line {after} in {Escape(text)} gave {Escape(Encoding.UTF8.GetString(now))}");
                Assert.Equal(text.EndsWith('\n'), Encoding.UTF8.GetString(now).EndsWith('\n'));
            }
            cases++;
        }
        Assert.Equal(300, cases);
    }

    private static bool Splits(string text, int at) =>
        at > 0 && at < text.Length && ((text[at - 1] == '\r' && text[at] == '\n') || char.IsLowSurrogate(text[at]));

    private static string Escape(string s) => s.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
