using AgentGym.Agents.Review;

namespace AgentGym.Agents.Tests.Review;

public sealed class JudgePromptTests
{
    [Fact]
    public async Task An_overriding_judge_prompt_is_sent_and_a_typo_in_one_stops_the_judge_at_creation()
    {
        await using var world = new JudgeWorld();
        var prompts = Path.Combine(world.Root, "prompts", "judge");
        Directory.CreateDirectory(prompts);
        File.WriteAllText(Path.Combine(prompts, "review.md"), "Review {{task_id}} under {{rules}}:\n{{diff}}\nAnswer in JSON.");
        world.PatchTimer();
        world.Server.Enqueue(ScriptedJudge.Reviewing());

        var outcome = await world.Reviewer(world.Settings() with { PromptsDir = Path.GetDirectoryName(prompts) })
            .ReviewAsync(world.Request(), CancellationToken.None);

        Assert.Null(outcome.Error);
        Assert.Single(outcome.Findings);
        var prompt = ScriptedJudge.UserText(Assert.Single(world.Server.Requests).Body);
        Assert.StartsWith("Review tiny-shakespeare/record-2 under Character-level GPT", prompt, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(prompts, "review.md"), "Review {{task}}:\n{{diff}}");
        var ex = Assert.Throws<InvalidDataException>(() => world.Reviewer(world.Settings() with { PromptsDir = Path.GetDirectoryName(prompts) }));
        Assert.Contains("{{task}}", ex.Message, StringComparison.Ordinal);
    }
}
