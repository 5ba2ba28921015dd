using AgentGym.Core.Gym;

namespace AgentGym.Core.Tests;

/// <summary>Issue 13, item 3: no observation is huge, and each cut says how to see the rest.</summary>
public sealed class ObservationSizeTests
{
    private static readonly string HugeLine = "x = '" + new string('a', 1_000_000) + "'";

    [Fact]
    public async Task A_small_edit_next_to_a_one_megabyte_line_gives_a_small_observation()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        await File.WriteAllTextAsync(Path.Combine(env.Episode!.WorkspaceDirectory, "big.py"), $"lr = 1e-3\n{HugeLine}\nend = 1\n");

        var edit = await env.StepAsync("edit_file", new { path = "big.py", old_str = "lr = 1e-3", new_str = "lr = 2e-3" });
        Assert.False(edit.Observation.IsError, edit.Observation.Text);
        Assert.InRange(edit.Observation.Text.Length, 1, 6_000);
        Assert.Contains("    1\tlr = 2e-3", edit.Observation.Text);
        Assert.Contains("[... line cut: 995,9", edit.Observation.Text);
        Assert.Contains("1 very long line(s) were shortened", edit.Observation.Text);

        var insert = await env.StepAsync("insert_lines", new { path = "big.py", line = 1, text = "import os" });
        Assert.False(insert.Observation.IsError, insert.Observation.Text);
        Assert.InRange(insert.Observation.Text.Length, 1, 6_000);
        Assert.Contains("    2\timport os", insert.Observation.Text);
    }

    [Fact]
    public async Task Every_observation_is_held_to_one_limit_with_a_note_on_how_to_see_the_rest()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var limit = new Tools.ToolLimits().ObservationMaxChars;

        // An edit whose new text is 20,000 short lines: the snippet would show them all.
        var many = string.Join('\n', Enumerable.Range(1, 20_000).Select(i => $"v{i} = {i}"));
        var edit = await env.StepAsync("edit_file", new { path = "train_gpt.py", old_str = "lr = 1e-3", new_str = many });
        Assert.False(edit.Observation.IsError);
        Assert.InRange(edit.Observation.Text.Length, limit - 1_000, limit);
        Assert.Matches(@"\[Observation cut: showing the first [\d,]+ of [\d,]+ characters; the file itself is whole: read the region with read_file and start_line\.\]$", edit.Observation.Text);

        // An error observation is held to it too.
        var unknown = await env.StepAsync(new string('q', 100_000));
        Assert.True(unknown.Observation.IsError);
        Assert.InRange(unknown.Observation.Text.Length, 1, limit);
        Assert.Contains("[Observation cut:", unknown.Observation.Text);
    }

    [Fact]
    public async Task Diff_on_a_path_pages_instead_of_advising_the_same_call()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync();
        var content = string.Join('\n', Enumerable.Range(1, 5_000).Select(i => $"value_{i} = {i} * 2")) + "\n";
        await env.StepAsync("write_file", new { path = "big.py", content });

        var first = (await env.StepAsync("diff", new { path = "big.py" })).Observation.Text;
        var footer = first.Split('\n')[^1];
        Assert.Matches(@"^\[Diff lines 1-(\d+) of 5003; call diff with path=""big.py"" and start_line=\d+ to continue\.\]$", footer);
        Assert.DoesNotContain("Call diff with a path", first);
        var next = int.Parse(System.Text.RegularExpressions.Regex.Match(footer, @"start_line=(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

        var second = (await env.StepAsync("diff", new { path = "big.py", start_line = next })).Observation.Text;
        Assert.StartsWith($"+value_{next - 3} = {next - 3} * 2\n", second);
        Assert.Contains($"[Diff lines {next}-", second);

        var end = (await env.StepAsync("diff", new { path = "big.py", start_line = 5_003 })).Observation.Text;
        Assert.Equal("+value_5000 = 5000 * 2\n[Diff lines 5003-5003 of 5003; this is the end of the diff.]", end);

        var past = await env.StepAsync("diff", new { path = "big.py", start_line = 6_000 });
        Assert.Contains("start_line 6000 is past the end of the diff, which has 5003 lines", past.Observation.Text);
    }

    [Fact]
    public async Task Diff_cuts_a_huge_line_as_read_file_does()
    {
        await using var world = new TestWorld();
        await using var env = await world.ResetAsync(budgets: new EpisodeBudgets());
        await env.StepAsync("write_file", new { path = "big.py", content = HugeLine + "\n" });
        var diff = (await env.StepAsync("diff", new { path = "big.py" })).Observation.Text;
        Assert.InRange(diff.Length, 1, 6_000);
        Assert.Contains("[... line cut: 995,9", diff);
        Assert.Contains("1 very long line(s) were shortened", diff);
    }
}
