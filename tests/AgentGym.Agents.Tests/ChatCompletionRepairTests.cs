using System.Text.Json.Nodes;
using AgentGym.Agents.Llm.Tolerance;

namespace AgentGym.Agents.Tests;

/// <summary>The HTTP half of the tolerant layer on bodies alone: shapes seen from servers other than OpenAI.</summary>
public sealed class ChatCompletionRepairTests
{
    private static JsonObject Body(JsonObject message, JsonNode? finishReason) => new()
    {
        ["id"] = "x",
        ["object"] = "chat.completion",
        ["created"] = 1,
        ["model"] = "m",
        ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["finish_reason"] = finishReason }),
    };

    [Fact]
    public void A_reply_in_OpenAIs_shape_is_left_alone()
    {
        var notes = new List<string>();
        Assert.Null(ChatCompletionRepair.Repair(Body(new JsonObject { ["role"] = "assistant", ["content"] = "hi" }, "stop").ToJsonString(), notes));
        Assert.Empty(notes);
    }

    [Theory]
    [InlineData("eos", "stop")]
    [InlineData("end_turn", "stop")]
    [InlineData("max_tokens", "length")]
    [InlineData("something_new", "stop")]
    public void Finish_reasons_other_servers_use_are_mapped(string given, string expected)
    {
        var notes = new List<string>();
        var repaired = JsonNode.Parse(ChatCompletionRepair.Repair(Body(new JsonObject { ["role"] = "assistant", ["content"] = "hi" }, given).ToJsonString(), notes)!)!;
        Assert.Equal(expected, repaired["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.Equal($"choices[0].finish_reason was \"{given}\"; taken as \"{expected}\"", Assert.Single(notes));
    }

    [Fact]
    public void Content_as_parts_and_a_call_without_type_or_arguments_are_brought_to_OpenAIs_shape()
    {
        var message = new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "a" }, new JsonObject { ["type"] = "text", ["text"] = "b" }),
            ["tool_calls"] = new JsonArray(new JsonObject { ["id"] = "c", ["function"] = new JsonObject { ["name"] = "list_files" } }),
        };
        var notes = new List<string>();
        var repaired = JsonNode.Parse(ChatCompletionRepair.Repair(Body(message, "tool_calls").ToJsonString(), notes)!)!;
        var m = repaired["choices"]![0]!["message"]!;
        Assert.Equal("ab", m["content"]!.GetValue<string>());
        Assert.Equal("function", m["tool_calls"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("{}", m["tool_calls"]![0]!["function"]!["arguments"]!.GetValue<string>());
        Assert.Equal(3, notes.Count);
    }

    [Theory]
    [InlineData("not json at all", "(body)")]
    [InlineData("""{"choices": []}""", "choices")]
    [InlineData("""{"choices": null}""", "choices")]
    [InlineData("""{"id": "x"}""", "choices")]
    [InlineData("""{"choices": [{"index": 0, "finish_reason": "stop"}]}""", "choices[0].message")]
    [InlineData("""{"choices": [{"message": {"role": "assistant", "tool_calls": [{"id": "c"}]}}]}""", "choices[0].message.tool_calls[0].function")]
    public void What_cannot_be_understood_names_the_field(string body, string field)
    {
        var ex = Assert.Throws<ModelReplyException>(() => ChatCompletionRepair.Repair(body, []));
        Assert.Equal(field, ex.Field);
        Assert.StartsWith($"The model's reply could not be read: {field} ", ex.Message, StringComparison.Ordinal);
    }
}
