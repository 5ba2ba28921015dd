using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace AgentGym.Agents.Tests;

/// <summary>
/// An Ollama-style server on 127.0.0.1: POST /api/chat answered from a script with Ollama's own shape (one JSON line,
/// done: true; tool calls without ids and with arguments as objects; prompt_eval_count / eval_count as usage).
/// </summary>
internal sealed class FakeOllamaServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Queue<JsonObject> _script = new();
    private readonly Task _loop;

    public FakeOllamaServer()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(BaseUrl.ToString());
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public Uri BaseUrl { get; }

    public List<(string Path, JsonObject Body)> Requests { get; } = [];

    public FakeOllamaServer ToolCall(string name, JsonObject arguments)
    {
        var message = new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = "",
            ["tool_calls"] = new JsonArray(new JsonObject { ["function"] = new JsonObject { ["name"] = name, ["arguments"] = arguments } }),
        };
        lock (_script) _script.Enqueue(Reply(message));
        return this;
    }

    private static JsonObject Reply(JsonObject message) => new()
    {
        ["model"] = "llama-test",
        ["created_at"] = "2026-01-01T00:00:00Z",
        ["message"] = message,
        ["done"] = true,
        ["done_reason"] = "stop",
        ["total_duration"] = 1000,
        ["prompt_eval_count"] = 30,
        ["eval_count"] = 7,
    };

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync().ConfigureAwait(false); }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            string text;
            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8)) text = await reader.ReadToEndAsync().ConfigureAwait(false);
            lock (Requests) Requests.Add((context.Request.Url!.AbsolutePath, JsonNode.Parse(text.Length == 0 ? "{}" : text) as JsonObject ?? []));
            JsonObject? reply;
            lock (_script) _script.TryDequeue(out reply);
            var payload = Encoding.UTF8.GetBytes((reply ?? new JsonObject { ["error"] = "the test script ran out of replies" }).ToJsonString() + "\n");
            context.Response.StatusCode = reply is null ? 500 : 200;
            context.Response.ContentType = "application/x-ndjson";
            context.Response.ContentLength64 = payload.Length;
            await context.Response.OutputStream.WriteAsync(payload).ConfigureAwait(false);
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try { await _loop.ConfigureAwait(false); } catch (ObjectDisposedException) { }
    }
}
