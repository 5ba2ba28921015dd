namespace AgentGym.Core.Tests;

public sealed class WorkspaceToolTests
{
    [Fact]
    public async Task Read_file_numbers_lines()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var result = await env.StepAsync("read_file", new { path = "train_gpt.py", start_line = 4, end_line = 6 });
        Assert.False(result.Observation.IsError, result.Observation.Text);
        Assert.Contains("lines 4-6 of 40", result.Observation.Text);
        Assert.Contains(" 5\tlr = 1e-3", result.Observation.Text);
        Assert.DoesNotContain("line 7", result.Observation.Text);
    }

    [Fact]
    public async Task Read_file_pages_a_10000_line_file_and_says_how_to_continue()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var content = string.Join('\n', Enumerable.Range(1, 10_000).Select(i => $"x{i} = {i}")) + "\n";
        await env.StepAsync("write_file", new { path = "big.py", content });

        var first = await env.StepAsync("read_file", new { path = "big.py" });
        Assert.Contains("lines 1-400 of 10000", first.Observation.Text);
        Assert.Contains("start_line=401", first.Observation.Text);
        Assert.DoesNotContain("x401 = 401", first.Observation.Text);

        var next = await env.StepAsync("read_file", new { path = "big.py", start_line = 401 });
        Assert.Contains("  401\tx401 = 401", next.Observation.Text);
        Assert.Contains("lines 401-800 of 10000", next.Observation.Text);

        var last = await env.StepAsync("read_file", new { path = "big.py", start_line = 9990 });
        Assert.Contains("lines 9990-10000 of 10000", last.Observation.Text);
        Assert.DoesNotContain("[", last.Observation.Text.Split('\n')[^1]);
    }

    [Fact]
    public async Task Read_file_cuts_by_bytes_and_says_where()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var content = string.Join('\n', Enumerable.Range(1, 100).Select(i => new string('a', 300) + i)) + "\n";
        await env.StepAsync("write_file", new { path = "wide.txt", content });
        var result = await env.StepAsync("read_file", new { path = "wide.txt" });
        Assert.Matches(@"Output cut at line (\d+) .* Lines \d+-100 were not shown: call read_file with start_line=\d+", result.Observation.Text);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(result.Observation.Text) < 18 * 1024);
    }

    [Fact]
    public async Task Binary_and_non_utf8_files_are_refused_with_a_clear_message()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var ws = env.Episode!.WorkspaceDirectory;
        File.WriteAllBytes(Path.Combine(ws, "model.bin"), [1, 2, 0, 3, 4]);
        File.WriteAllBytes(Path.Combine(ws, "latin1.txt"), [(byte)'c', (byte)'a', (byte)'f', 0xE9, (byte)'\n']);

        var binary = await env.StepAsync("read_file", new { path = "model.bin" });
        Assert.True(binary.Observation.IsError);
        Assert.Contains("binary file", binary.Observation.Text);

        var latin = await env.StepAsync("read_file", new { path = "latin1.txt" });
        Assert.True(latin.Observation.IsError);
        Assert.Contains("not valid UTF-8", latin.Observation.Text);
        Assert.Contains("offset 3", latin.Observation.Text);

        var edit = await env.StepAsync("edit_file", new { path = "model.bin", old_str = "a", new_str = "b" });
        Assert.True(edit.Observation.IsError);
        Assert.Equal([1, 2, 0, 3, 4], File.ReadAllBytes(Path.Combine(ws, "model.bin")));
    }

    [Fact]
    public async Task Edit_file_replaces_exactly_one_occurrence()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var result = await env.StepAsync("edit_file", new { path = "train_gpt.py", old_str = "lr = 1e-3", new_str = "lr = 3e-3" });
        Assert.False(result.Observation.IsError, result.Observation.Text);
        Assert.Contains("5\tlr = 3e-3", result.Observation.Text);
        var text = File.ReadAllText(Path.Combine(env.Episode!.WorkspaceDirectory, "train_gpt.py"));
        Assert.Contains("lr = 3e-3", text);
        Assert.DoesNotContain("lr = 1e-3", text);
    }

    [Fact]
    public async Task Edit_file_with_no_match_points_at_a_whitespace_only_difference()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var before = File.ReadAllText(Path.Combine(env.Episode!.WorkspaceDirectory, "train_gpt.py"));
        var result = await env.StepAsync("edit_file", new { path = "train_gpt.py", old_str = "batch_size = 32", new_str = "batch_size = 64" + "X" });
        // "batch_size = 32" occurs once (indented), so that succeeds; now try with the wrong indentation.
        Assert.False(result.Observation.IsError);
        await env.StepAsync("undo_edit", new { path = "train_gpt.py" });

        var miss = await env.StepAsync("edit_file", new { path = "train_gpt.py", old_str = "  batch_size  =  32\n", new_str = "batch_size = 64\n" });
        Assert.True(miss.Observation.IsError);
        Assert.Contains("not found", miss.Observation.Text);
        Assert.Contains("Lines 6-6 match it except for whitespace", miss.Observation.Text);
        Assert.Equal(before, File.ReadAllText(Path.Combine(env.Episode!.WorkspaceDirectory, "train_gpt.py")));
    }

    [Fact]
    public async Task Edit_file_with_no_match_lists_the_closest_lines()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var miss = await env.StepAsync("edit_file", new { path = "train_gpt.py", old_str = "lr = 2e-3", new_str = "lr = 3e-3" });
        Assert.True(miss.Observation.IsError);
        Assert.Contains("    5\tlr = 1e-3", miss.Observation.Text);
    }

    [Fact]
    public async Task Edit_file_with_two_matches_lists_their_line_numbers_and_changes_nothing()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var before = File.ReadAllText(Path.Combine(env.Episode!.WorkspaceDirectory, "train_gpt.py"));
        var result = await env.StepAsync("edit_file", new { path = "train_gpt.py", old_str = "def train():\n    pass", new_str = "def train():\n    return 1" });
        Assert.True(result.Observation.IsError);
        Assert.Contains("occurs 2 times", result.Observation.Text);
        Assert.Contains("lines 10, 20", result.Observation.Text);
        Assert.Equal(before, File.ReadAllText(Path.Combine(env.Episode!.WorkspaceDirectory, "train_gpt.py")));
    }

    [Fact]
    public async Task Insert_lines_and_undo_restore_previous_versions_in_order()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var path = Path.Combine(env.Episode!.WorkspaceDirectory, "train_gpt.py");
        var original = File.ReadAllText(path);

        var insert = await env.StepAsync("insert_lines", new { path = "train_gpt.py", line = 1, text = "import math\nimport time" });
        Assert.False(insert.Observation.IsError, insert.Observation.Text);
        var lines = File.ReadAllLines(path);
        Assert.Equal(["import os", "import math", "import time"], lines[..3]);
        await env.StepAsync("edit_file", new { path = "train_gpt.py", old_str = "import math", new_str = "import numpy" });

        Assert.False((await env.StepAsync("undo_edit", new { path = "train_gpt.py" })).Observation.IsError);
        Assert.Contains("import math", File.ReadAllText(path));
        Assert.False((await env.StepAsync("undo_edit", new { path = "train_gpt.py" })).Observation.IsError);
        Assert.Equal(original, File.ReadAllText(path));
        var none = await env.StepAsync("undo_edit", new { path = "train_gpt.py" });
        Assert.True(none.Observation.IsError);
        Assert.Contains("no edit", none.Observation.Text);

        var outOfRange = await env.StepAsync("insert_lines", new { path = "train_gpt.py", line = 99, text = "x" });
        Assert.True(outOfRange.Observation.IsError);
        Assert.Contains("between 0 and 40", outOfRange.Observation.Text);
    }

    [Fact]
    public async Task Write_file_creates_and_undo_removes_a_new_file()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var created = await env.StepAsync("write_file", new { path = "sub/dir/new.py", content = "print(1)\n" });
        Assert.Contains("Created sub/dir/new.py", created.Observation.Text);
        var listing = await env.StepAsync("list_files");
        Assert.Contains("sub/dir/new.py  9 bytes", listing.Observation.Text);
        Assert.Contains("train_gpt.py", listing.Observation.Text);
        await env.StepAsync("undo_edit", new { path = "sub/dir/new.py" });
        Assert.False(File.Exists(Path.Combine(env.Episode!.WorkspaceDirectory, "sub/dir/new.py")));
    }

    [Fact]
    public async Task Diff_shows_changes_against_the_starting_files()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        Assert.Contains("No changes", (await env.StepAsync("diff")).Observation.Text);
        await env.StepAsync("edit_file", new { path = "train_gpt.py", old_str = "lr = 1e-3", new_str = "lr = 3e-3" });
        await env.StepAsync("write_file", new { path = "notes.txt", content = "hello\n" });
        var diff = (await env.StepAsync("diff")).Observation.Text;
        Assert.Contains("--- a/train_gpt.py\n+++ b/train_gpt.py\n@@ -2,7 +2,7 @@", diff);
        Assert.Contains("-lr = 1e-3\n+lr = 3e-3", diff);
        Assert.Contains("--- /dev/null\n+++ b/notes.txt\n@@ -0,0 +1 @@\n+hello", diff);
        var one = (await env.StepAsync("diff", new { path = "notes.txt" })).Observation.Text;
        Assert.DoesNotContain("train_gpt.py", one);
    }
}

public sealed class UndoHistoryTests
{
    [Fact]
    public async Task Undo_history_is_bounded_per_file()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync(budgets: Gym.EpisodeBudgets.Unlimited);
        for (var i = 0; i < Workspace.EpisodeWorkspace.MaxUndoDepth + 5; i++)
            await env.StepAsync("write_file", new { path = "a.txt", content = $"v{i}\n" });
        var undone = 0;
        while (!(await env.StepAsync("undo_edit", new { path = "a.txt" })).Observation.IsError) undone++;
        Assert.Equal(Workspace.EpisodeWorkspace.MaxUndoDepth, undone);
        Assert.Equal("v4\n", File.ReadAllText(Path.Combine(env.Episode!.WorkspaceDirectory, "a.txt")));
    }
}
