using AgentGym.Core.Workspace;

namespace AgentGym.Core.Tests;

public sealed class UnifiedDiffTests
{
    [Fact]
    public void Identical_inputs_give_no_diff() =>
        Assert.Equal("", UnifiedDiff.Create("a", "b", ["x", "y"], ["x", "y"]));

    [Fact]
    public void Separate_changes_make_separate_hunks_with_three_lines_of_context()
    {
        var old = Enumerable.Range(1, 30).Select(i => $"l{i}").ToList();
        var @new = old.ToList();
        @new[1] = "changed2";
        @new[24] = "changed25";
        var diff = UnifiedDiff.Create("a/f", "b/f", old, @new);
        Assert.Equal(
            "--- a/f\n+++ b/f\n@@ -1,5 +1,5 @@\n l1\n-l2\n+changed2\n l3\n l4\n l5\n" +
            "@@ -22,7 +22,7 @@\n l22\n l23\n l24\n-l25\n+changed25\n l26\n l27\n l28\n", diff);
    }

    [Fact]
    public void Applying_the_edit_script_rebuilds_the_new_file()
    {
        var random = new Random(7);
        for (var trial = 0; trial < 50; trial++)
        {
            var a = Enumerable.Range(0, random.Next(0, 40)).Select(_ => random.Next(0, 6).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
            var b = Enumerable.Range(0, random.Next(0, 40)).Select(_ => random.Next(0, 6).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
            var ops = UnifiedDiff.Diff(a, b);
            var rebuilt = ops.Where(o => o.Kind != UnifiedDiff.OpKind.Delete).Select(o => o.Kind == UnifiedDiff.OpKind.Insert ? b[o.NewIndex] : a[o.OldIndex]).ToList();
            Assert.Equal(b, rebuilt);
            Assert.Equal(a, ops.Where(o => o.Kind != UnifiedDiff.OpKind.Insert).Select(o => a[o.OldIndex]).ToList());
        }
    }

    [Fact]
    public void A_file_rewritten_from_top_to_bottom_is_all_deletions_then_all_insertions()
    {
        var old = Enumerable.Range(0, 20_000).Select(i => $"old {i}").ToList();
        var @new = Enumerable.Range(0, 20_000).Select(i => $"new {i}").ToList();
        var lines = UnifiedDiff.Create("a/f", "b/f", old, @new).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("@@ -1,20000 +1,20000 @@", lines[2]);
        Assert.Equal((20_000, 20_000), (lines.Count(l => l.StartsWith("-old ", StringComparison.Ordinal)), lines.Count(l => l.StartsWith("+new ", StringComparison.Ordinal))));
    }
}
