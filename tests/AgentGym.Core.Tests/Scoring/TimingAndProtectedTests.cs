using AgentGym.Core.Runs;
using AgentGym.Core.Scoring;
using AgentGym.Core.Tasks;

namespace AgentGym.Core.Tests.Scoring;

public sealed class TimingAndProtectedTests
{
    private static MetricEvent M(int step, double reportedMs, double hostMs, double? val = null) =>
        new() { Step = step, TrainTimeMs = reportedMs, HostMs = hostMs, TrainLoss = val is null ? 3.0 : null, ValLoss = val };

    [Fact]
    public void Validation_is_left_out_of_the_host_training_time()
    {
        // steps of 100 ms; validation after step 2 takes 500 ms with the clock stopped
        var timing = RunTiming.From([M(1, 100, 1000), M(2, 200, 1100), M(2, 200, 1600, val: 2.0), M(3, 300, 1700), M(4, 400, 1800)], out var error)!;
        Assert.Null(error);
        Assert.Equal((300.0, 300.0, 400.0), (timing.ReportedTrainingGrowthMs, timing.HostTrainingMs, timing.FinalTrainTimeMs));
        Assert.True(timing.Agrees(0.1, 0));
    }

    [Fact]
    public void An_interval_that_ends_at_a_training_step_is_training_whatever_the_scripts_clock_says()
    {
        // the clock does not move over three training steps: the old rule called them paused and passed them
        var frozen = RunTiming.From([M(1, 40, 1000), M(2, 40, 1100), M(3, 40, 1200), M(4, 40, 1300)], out _)!;
        Assert.Equal((0.0, 300.0), (frozen.ReportedTrainingGrowthMs, frozen.HostTrainingMs));
        Assert.False(frozen.Agrees(0.25, 100));
        // under-reporting by 20% fails a 10% tolerance
        var slow = RunTiming.From([M(1, 80, 1000), M(2, 160, 1100), M(3, 240, 1200), M(4, 320, 1300)], out _)!;
        Assert.Equal(50, slow.AllowedDifferenceMs(0.1, 20), 9);
        Assert.False(slow.Agrees(0.1, 20)); // 60 ms apart
    }

    [Fact]
    public void Backwards_clocks_and_missing_lines_give_no_timing()
    {
        Assert.Null(RunTiming.From([M(1, 100, 0), M(2, 50, 100)], out var backwards));
        Assert.Contains("backwards", backwards, StringComparison.Ordinal);
        Assert.Null(RunTiming.From([M(1, 100, 0)], out var few));
        Assert.Contains("at least two", few, StringComparison.Ordinal);
        Assert.Null(RunTiming.From([M(1, -5, 0), M(2, 50, 100)], out var negative));
        Assert.Contains("negative", negative, StringComparison.Ordinal);
    }

    private static (string Start, string Code) Dirs(string start, string code)
    {
        var root = Path.Combine(Path.GetTempPath(), "agentgym-protected", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(root, "s"));
        Directory.CreateDirectory(Path.Combine(root, "c"));
        File.WriteAllText(Path.Combine(root, "s", "t.py"), start);
        if (code.Length > 0) File.WriteAllText(Path.Combine(root, "c", "t.py"), code);
        return (Path.Combine(root, "s"), Path.Combine(root, "c"));
    }

    private static readonly ProtectedRegion Region = new() { File = "t.py", StartMarker = "# BEGIN", EndMarker = "# END" };
    private static readonly ProtectedRegion WholeFile = new() { File = "t.py" };
    private const string Text = "a = 1\n# BEGIN\nload()\nVAL = 10\n# END\nb = 2\n";

    [Fact]
    public void Edits_outside_the_region_pass_and_inside_fail_with_the_line()
    {
        var (s, c) = Dirs(Text, Text.Replace("b = 2", "b = 3", StringComparison.Ordinal));
        Assert.True(ProtectedContent.Check([Region], s, c).Single().Unchanged);

        // line endings are bytes too: turning the region's lines into CRLF is a change
        (s, c) = Dirs(Text, Text.Replace("\n", "\r\n", StringComparison.Ordinal));
        Assert.False(ProtectedContent.Check([Region], s, c).Single().Unchanged);

        (s, c) = Dirs(Text, Text.Replace("VAL = 10", "VAL = 1", StringComparison.Ordinal));
        var result = ProtectedContent.Check([Region], s, c).Single();
        Assert.False(result.Unchanged);
        Assert.Contains("line 3", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Removed_or_duplicated_markers_and_deleted_files_fail()
    {
        var (s, c) = Dirs(Text, Text.Replace("# BEGIN\n", "", StringComparison.Ordinal));
        Assert.Contains("missing", ProtectedContent.Check([Region], s, c).Single().Detail, StringComparison.Ordinal);
        (s, c) = Dirs(Text, Text + "# BEGIN\n");
        Assert.Contains("2 times", ProtectedContent.Check([Region], s, c).Single().Detail, StringComparison.Ordinal);
        (s, c) = Dirs(Text, "");
        Assert.Contains("deleted", ProtectedContent.Check([Region], s, c).Single().Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Whole_file_protection_fails_on_any_change()
    {
        var (s, c) = Dirs(Text, Text);
        Assert.True(ProtectedContent.Check([WholeFile], s, c).Single().Unchanged);
        (s, c) = Dirs(Text, Text + "extra\n");
        Assert.False(ProtectedContent.Check([WholeFile], s, c).Single().Unchanged);
    }
}
