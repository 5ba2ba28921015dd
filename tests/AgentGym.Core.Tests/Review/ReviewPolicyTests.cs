using System.Text.Json.Nodes;
using AgentGym.Core.Review;
using AgentGym.Core.Tasks;

namespace AgentGym.Core.Tests.Review;

public sealed class ReviewPolicyTests
{
    private static readonly CitedLines AtLine285 = new("train_gpt.py", [285]);

    private static ReviewOutcome Outcome(params ReviewFinding[] findings) => new() { JudgeModel = "judge", ModelCalls = 1, Findings = findings };

    private static ReviewFinding Finding(double confidence, bool cited = true) =>
        new(ReviewClass.TimingManipulation, cited ? [AtLine285] : [], confidence, "scaled clock");

    [Theory]
    [InlineData("report", 0.99, true, false)]   // report only: never zeroes
    [InlineData("zero:0.8", 0.99, true, true)]
    [InlineData("zero:0.8", 0.8, true, true)]   // at the threshold counts
    [InlineData("zero:0.8", 0.79, true, false)] // below it does not
    [InlineData("zero:0.8", 0.99, false, false)] // citing no changed line never zeroes
    [InlineData("zero", 0.8, true, true)]       // "zero" alone means 0.8
    [InlineData("zero", 0.7, true, false)]
    public void Zeroes_only_when_configured_and_confident_enough(string policyText, double confidence, bool cited, bool zeroes)
    {
        Assert.True(ReviewPolicies.TryParse(policyText, out var policy, out var error), error);
        Assert.Equal(zeroes, ReviewPolicies.ZeroesReward(Outcome(Finding(0.3), Finding(confidence, cited)), policy));
    }

    [Fact]
    public void No_findings_or_a_judge_error_never_zero()
    {
        var policy = ReviewPolicy.ZeroRewardAtConfidence(0.01);
        Assert.False(ReviewPolicies.ZeroesReward(Outcome(), policy));
        Assert.False(ReviewPolicies.ZeroesReward(Outcome(Finding(1.0)) with { Error = "reply not JSON" }, policy));
    }

    [Theory]
    [InlineData("report", "report")]
    [InlineData(" Zero:0.95 ", "zero:0.95")]
    [InlineData("zero:1", "zero:1")]
    public void Policies_read_and_print_the_same_way(string text, string printed)
    {
        Assert.True(ReviewPolicies.TryParse(text, out var policy, out _));
        Assert.Equal(printed, policy.ToString());
    }

    [Theory]
    [InlineData("zero:0")]
    [InlineData("zero:1.5")]
    [InlineData("zero:high")]
    [InlineData("strict")]
    [InlineData("")]
    public void Bad_policies_say_what_is_expected(string text)
    {
        Assert.False(ReviewPolicies.TryParse(text, out _, out var error));
        Assert.Contains("use report, or zero:T", error, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => ReviewPolicy.ZeroRewardAtConfidence(0));
    }

    [Fact]
    public async Task The_configured_policy_wins_then_the_tasks_then_report_only()
    {
        await using var world = new TestWorld();
        var plain = TaskCatalog.Load(world.TasksDirectory).Get(TestWorld.TaskId);
        var strict = plain with { Verification = plain.Verification with { Review = new ReviewSettings { Policy = ReviewAction.Zero, Threshold = 0.9 } } };

        Assert.Equal(ReviewPolicy.ReportOnly, ReviewPolicies.Resolve(null, plain));
        Assert.Equal("zero:0.9", ReviewPolicies.Resolve(null, strict).ToString());
        Assert.Equal("report", ReviewPolicies.Resolve(ReviewPolicy.ReportOnly, strict).ToString());
        Assert.Equal("zero:0.5", ReviewPolicies.Resolve(ReviewPolicy.ZeroRewardAtConfidence(0.5), plain).ToString());
    }

    [Fact]
    public async Task A_task_manifest_sets_its_review_policy_under_verification()
    {
        await using var world = new TestWorld();
        var (task, errors) = LoadWithReview(world, """{"policy": "zero", "threshold": 0.9}""");
        Assert.Empty(errors);
        Assert.Equal("zero:0.9", ReviewPolicy.From(task!.Verification.Review!).ToString());

        (task, errors) = LoadWithReview(world, """{"policy": "report"}""");
        Assert.Empty(errors);
        Assert.Equal(ReviewPolicy.ReportOnly, ReviewPolicy.From(task!.Verification.Review!));
    }

    [Theory]
    [InlineData("""{"policy": "zero", "threshold": 1.5}""", "verification.review.threshold", "must be above 0 and at most 1")]
    [InlineData("""{"policy": "zero", "threshold": 0}""", "verification.review.threshold", "must be above 0 and at most 1")]
    [InlineData("""{"policy": "maybe"}""", "verification.review.policy", "wrong type: expected \"report\" or \"zero\"")]
    public async Task A_bad_review_setting_names_its_field(string review, string field, string reason)
    {
        await using var world = new TestWorld();
        var (task, errors) = LoadWithReview(world, review);
        Assert.Null(task);
        var error = Assert.Single(errors);
        Assert.Equal(field, error.Field);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    private static (TaskManifest? Task, IReadOnlyList<TaskLoadError> Errors) LoadWithReview(TestWorld world, string review)
    {
        var dir = Path.Combine(world.TasksDirectory, "test", "reviewed");
        Directory.CreateDirectory(Path.Combine(dir, "start"));
        File.WriteAllText(Path.Combine(dir, "start", "train_gpt.py"), "print(1)\n");
        var manifest = TestWorld.Manifest("test/reviewed");
        manifest.Remove("hints");
        manifest["verification"]!["review"] = JsonNode.Parse(review);
        File.WriteAllText(Path.Combine(dir, "task.json"), manifest.ToJsonString());
        var catalog = TaskCatalog.Load(world.TasksDirectory);
        return (catalog.TryGet("test/reviewed", out var task) ? task : null, catalog.Errors);
    }
}
