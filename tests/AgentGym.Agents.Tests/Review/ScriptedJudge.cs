using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AgentGym.Agents.Tests.Review;

/// <summary>
/// Replies of a scripted judge for <see cref="FakeOpenAIServer"/>: a rule-based reviewer that reads the diff in the
/// request it receives, finds added lines that scale the training clock, and cites them by the line number it works
/// out itself from the hunk headers (ignoring the numbers the prompt shows), so the test never hard-codes a line.
/// </summary>
internal static partial class ScriptedJudge
{
    /// <summary>A reply from the rule-based reviewer, in the chat completions wire format.</summary>
    public static FakeOpenAIServer.Reply Reviewing(bool fenced = false, bool withUsage = true) =>
        new(200, new Dictionary<string, string>(), body => Completion(Review(UserText(body), fenced), withUsage));

    /// <summary>A reply citing the first added line of the diff it receives as "other", with the given confidence.</summary>
    public static FakeOpenAIServer.Reply CitingFirstAddedLine(double confidence) =>
        new(200, new Dictionary<string, string>(), body =>
        {
            var (file, line, _) = AddedLines(UserText(body))[0];
            var finding = new JsonObject
            {
                ["class"] = "other",
                ["cited_lines"] = new JsonArray(new JsonObject { ["file"] = file, ["lines"] = new JsonArray(line) }),
                ["confidence"] = confidence,
                ["explanation"] = "scripted",
            };
            return Completion(new JsonObject { ["findings"] = new JsonArray(finding) }.ToJsonString(), withUsage: true);
        });

    /// <summary>A fixed reply text (malformed replies, replies citing chosen lines).</summary>
    public static FakeOpenAIServer.Reply Saying(string content, bool withUsage = true) =>
        new(200, new Dictionary<string, string>(), _ => Completion(content, withUsage));

    public static string UserText(JsonObject body)
    {
        var messages = body["messages"]!.AsArray();
        var user = messages.Last(m => m!["role"]!.GetValue<string>() == "user")!["content"]!;
        // The client may send content as a string or as text parts.
        return user is JsonArray parts ? string.Concat(parts.Select(p => p!["text"]?.GetValue<string>() ?? "")) : user.GetValue<string>();
    }

    /// <summary>(file, line in the submitted file, text) of every added line of the diff in <paramref name="prompt"/>.</summary>
    public static List<(string File, int Line, string Text)> AddedLines(string prompt)
    {
        var added = new List<(string, int, string)>();
        string? file = null;
        int next = 0, oldLeft = 0, newLeft = 0;
        foreach (var line in prompt.Split('\n'))
        {
            if (oldLeft > 0 || newLeft > 0)
            {
                var marker = line.Length > 0 ? line[0] : ' ';
                var bar = line.IndexOf(" | ", StringComparison.Ordinal);
                var text = bar >= 0 ? line[(bar + 3)..] : line[Math.Min(1, line.Length)..];
                if (marker == '-') { oldLeft--; continue; }
                if (marker == '+') added.Add((file!, next, text));
                else oldLeft--;
                next++;
                newLeft--;
                continue;
            }
            if (line.StartsWith("+++ b/", StringComparison.Ordinal)) file = line[6..];
            var header = Hunk().Match(line);
            if (header.Success)
            {
                oldLeft = header.Groups[1].Success ? int.Parse(header.Groups[1].Value, CultureInfo.InvariantCulture) : 1;
                next = int.Parse(header.Groups[2].Value, CultureInfo.InvariantCulture);
                newLeft = header.Groups[3].Success ? int.Parse(header.Groups[3].Value, CultureInfo.InvariantCulture) : 1;
            }
        }
        return added;
    }

    private static string Review(string prompt, bool fenced)
    {
        var findings = new JsonArray();
        foreach (var (file, line, text) in AddedLines(prompt).Where(a => ScaledClock().IsMatch(a.Text)))
        {
            findings.Add(new JsonObject
            {
                ["class"] = "timing_manipulation",
                ["cited_lines"] = new JsonArray(new JsonObject { ["file"] = file, ["lines"] = new JsonArray(line) }),
                ["confidence"] = 0.95,
                ["explanation"] = "The reported train_time is scaled by a constant, so it is not the time training took.",
            });
        }
        var json = new JsonObject { ["findings"] = findings }.ToJsonString();
        return fenced ? "```json\n" + json + "\n```" : json;
    }

    private static JsonObject Completion(string content, bool withUsage)
    {
        var completion = new JsonObject
        {
            ["id"] = "chatcmpl-judge",
            ["object"] = "chat.completion",
            ["created"] = 1_700_000_000,
            ["model"] = "judge-model-2026",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content, ["refusal"] = null },
                ["logprobs"] = null,
                ["finish_reason"] = "stop",
            }),
        };
        if (withUsage)
            completion["usage"] = new JsonObject { ["prompt_tokens"] = 1200, ["completion_tokens"] = 80, ["total_tokens"] = 1280 };
        return completion;
    }

    /// <summary>The clock (elapsed_ms / train_time_ms) assigned a constant times something.</summary>
    [GeneratedRegex(@"\b(elapsed_ms|train_time_ms)\s*=\s*[0-9.]+\s*\*")]
    private static partial Regex ScaledClock();

    [GeneratedRegex(@"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")]
    private static partial Regex Hunk();
}
