using System.Text.Json;
using AgentGym.Core.Json;
using AgentGym.Core.Scoring;
using AgentGym.Core.Gym;
using AgentGym.Core.Review;
using AgentGym.Core.Tasks;

namespace AgentGym.Core.Tests.Review;

public sealed class ReviewPiecesTests
{
    private const string Start = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";

    [Fact]
    public async Task A_request_holds_the_task_rules_and_the_diff_against_the_starting_files()
    {
        await using var world = new TestWorld();
        var task = TaskCatalog.Load(world.TasksDirectory).Get(TestWorld.TaskId);
        task = task with { Verification = task.Verification with { Protected = [new ProtectedRegion { File = "train_gpt.py", StartMarker = "# begin", EndMarker = "# end" }] } };
        var (start, code) = Folders(world.Root, Start, Start.Replace("e\n", "E\n", StringComparison.Ordinal));

        var request = ReviewRequest.Create(task, start, code);

        Assert.Equal(TestWorld.TaskId, request.TaskId);
        Assert.StartsWith(task.Description.Trim(), request.Rules, StringComparison.Ordinal);
        Assert.Contains("- train_gpt.py: the lines from the one holding '# begin' to the one holding '# end'", request.Rules, StringComparison.Ordinal);
        Assert.Equal("--- a/train_gpt.py\n+++ b/train_gpt.py\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n", request.Diff);
    }

    [Fact]
    public void The_numbered_diff_gives_each_submitted_line_its_number_and_only_those_lines_count_as_cited()
    {
        const string diff = "--- a/train_gpt.py\n+++ b/train_gpt.py\n@@ -2,3 +2,4 @@\n b\n-c\n+C\n+C2\n d\n@@ -9,2 +10,2 @@\n i\n--- x\n+--- y\n";
        var parsed = SubmissionDiff.Parse(diff);

        Assert.Equal(
            "--- a/train_gpt.py\n+++ b/train_gpt.py\n@@ -2,3 +2,4 @@\n     2 | b\n-      | c\n+    3 | C\n+    4 | C2\n     5 | d\n@@ -9,2 +10,2 @@\n    10 | i\n-      | -- x\n+   11 | --- y\n",
            parsed.Numbered());
        Assert.Equal(["train_gpt.py"], parsed.Files);
        Assert.True(parsed.Shows("train_gpt.py", 3));
        Assert.True(parsed.Shows("b/train_gpt.py", 11));
        Assert.True(parsed.Shows("/workspace/train_gpt.py", 5));
        Assert.False(parsed.Shows("train_gpt.py", 6));
        Assert.False(parsed.Shows("other.py", 3));
        var (valid, rejected) = parsed.Check([new CitedLines("./train_gpt.py", [4, 7, 3, 4])]);
        Assert.Equal([3, 4], Assert.Single(valid).Lines);
        Assert.Equal([7], Assert.Single(rejected).Lines);
    }

    [Theory]
    [InlineData(null, 0.5, false)]       // the task's report-only default
    [InlineData("zero:0.9", 0.5, false)] // configured, finding too weak
    [InlineData("zero:0.9", 0.95, true)]
    public async Task The_reviewing_scorer_adds_the_review_after_the_measured_checks(string? configured, double confidence, bool zeroed)
    {
        await using var world = new TestWorld();
        var task = TaskCatalog.Load(world.TasksDirectory).Get(TestWorld.TaskId);
        var (start, code) = Folders(world.Root, Start, Start.Replace("e\n", "E\n", StringComparison.Ordinal));
        var episode = new EpisodeInfo("ep", task.Id, world.Root, code, Path.Combine(world.Root, "t.jsonl"), HintRegime.None, 1);
        var measured = new SubmissionVerdict(0.6, true, "Verified: faster.", TestVerdicts.Passed(0.6));
        var reviewer = new FixedReviewer(new ReviewFinding(ReviewClass.WorkOutsideTiming, [new CitedLines("train_gpt.py", [5])], confidence, "moved"));
        ReviewPolicy? policy = null;
        if (configured is not null) Assert.True(ReviewPolicies.TryParse(configured, out policy, out _));

        var verdict = await new FixedScorer(measured).WithReview(reviewer, policy)
            .ScoreAsync(new Submission(task, episode, code, start, null), CancellationToken.None);

        Assert.Contains("+E", Assert.Single(reviewer.Requests).Diff, StringComparison.Ordinal);
        Assert.Equal(zeroed ? 0 : 0.6, verdict.Reward);
        Assert.Equal(!zeroed, verdict.Passed);
        Assert.Equal(zeroed ? 0 : 0.6, verdict.Checks.Reward.Value);
        var review = verdict.Checks.Review!;
        Assert.Equal(!zeroed, review.Passed);
        Assert.Equal(configured ?? "report", review.Policy);
        Assert.Equal(ReviewClass.WorkOutsideTiming, Assert.Single(review.Findings).Class);
        Assert.Equal(3, review.Usage.TotalTokens);
        Assert.Equal(zeroed ? review.Summary : null, review.Reason);
        Assert.Equal("review", verdict.Checks.Named().Last().Name);
        Assert.Equal(!zeroed, verdict.Checks.AllPassed);

        // The verdict as the submit step's info and the eval read it back: snake_case, and the same after a round trip.
        var json = JsonSerializer.SerializeToNode(verdict.Checks, JsonDefaults.Options)!;
        Assert.Equal("work_outside_timing", json["review"]!["findings"]![0]!["class"]!.GetValue<string>());
        Assert.Equal(5, json["review"]!["findings"]![0]!["cited_lines"]![0]!["lines"]![0]!.GetValue<int>());
        Assert.Equal(3, json["review"]!["usage"]!["total_tokens"]!.GetValue<long>());
        var back = json.Deserialize<VerdictChecks>(JsonDefaults.Options)!.Review!;
        Assert.Equal(review.Summary, back.Summary);
        Assert.Equal(review.Findings[0].CitedLines[0].Lines, back.Findings[0].CitedLines[0].Lines);
        Assert.Equal(review.Findings[0].Confidence, back.Findings[0].Confidence);
        if (zeroed) Assert.Equal("Verified: faster. Code review: work_outside_timing (0.95) at train_gpt.py:5: reward zeroed (policy zero:0.9).", verdict.Summary);
        else Assert.Equal("Verified: faster.", verdict.Summary);
    }

    private static (string Start, string Code) Folders(string root, string start, string code)
    {
        var s = Path.Combine(root, "review-start");
        var c = Path.Combine(root, "review-code");
        Directory.CreateDirectory(s);
        Directory.CreateDirectory(c);
        File.WriteAllText(Path.Combine(s, "train_gpt.py"), start);
        File.WriteAllText(Path.Combine(c, "train_gpt.py"), code);
        return (s, c);
    }

    private sealed class FixedScorer(SubmissionVerdict verdict) : ISubmissionScorer
    {
        public Task<SubmissionVerdict> ScoreAsync(Submission submission, CancellationToken cancellationToken) => Task.FromResult(verdict);
    }

    private sealed class FixedReviewer(ReviewFinding finding) : ISubmissionReviewer
    {
        public List<ReviewRequest> Requests { get; } = [];

        public Task<ReviewOutcome> ReviewAsync(ReviewRequest request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return Task.FromResult(new ReviewOutcome { JudgeModel = "fixed", ModelCalls = 1, Usage = new ReviewUsage(2, 1), Findings = [finding] });
        }
    }
}
