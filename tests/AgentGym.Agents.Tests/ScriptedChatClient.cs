using System.Text.Json;
using Microsoft.Extensions.AI;

namespace AgentGym.Agents.Tests;

/// <summary>
/// A builder's own Microsoft.Extensions.AI chat client, answering from a script and recording what it was sent. It
/// reports usage only where the script gives some, like many providers.
/// </summary>
internal sealed class ScriptedChatClient : IChatClient
{
    private readonly Queue<ChatResponse> _script = new();

    public List<(List<ChatMessage> Messages, ChatOptions? Options)> Requests { get; } = [];

    public ScriptedChatClient Call(string name, string arguments, string callId = "c1", UsageDetails? usage = null)
    {
        var parsed = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(arguments)!.ToDictionary(p => p.Key, p => (object?)p.Value);
        _script.Enqueue(new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(callId, name, parsed)])) { Usage = usage });
        return this;
    }

    public ScriptedChatClient Text(string text)
    {
        _script.Enqueue(new ChatResponse(new ChatMessage(ChatRole.Assistant, text)));
        return this;
    }

    /// <summary>A response holding no message at all.</summary>
    public ScriptedChatClient Empty()
    {
        _script.Enqueue(new ChatResponse([]));
        return this;
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Requests.Add((messages.ToList(), options));
        return Task.FromResult(_script.Count > 0 ? _script.Dequeue() : throw new InvalidOperationException("The test script ran out of replies."));
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The agents do not stream.");

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("scripted", null, "scripted-model")
        : serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
