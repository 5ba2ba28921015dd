using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace AgentGym.Agents.Tests;

/// <summary>
/// A minimal OpenAI-compatible chat completions server on 127.0.0.1, answering from a script in the real wire format
/// (choices[].message.tool_calls[].function.arguments as strings, usage). The agents under test reach it through the
/// real OpenAI client over HTTP, so serialization, headers and retries are the production ones.
/// </summary>
internal sealed class FakeOpenAIServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Queue<Reply> _script = new();
    private readonly Task _loop;
    private int _id;

    public FakeOpenAIServer()
    {
        var port = FreePort();
        BaseUrl = new Uri($"http://127.0.0.1:{port}/v1/");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public Uri BaseUrl { get; }

    public List<RecordedRequest> Requests { get; } = [];

    public sealed record RecordedRequest(string Path, JsonObject Body, IReadOnlyDictionary<string, string> Headers, DateTimeOffset At);

    /// <summary>A scripted answer: status, extra headers, and a JSON body (or a function of the request).</summary>
    public sealed record Reply(int Status, IReadOnlyDictionary<string, string> Headers, Func<JsonObject, JsonObject> Body)
    {
        /// <summary>How long the server sits on the request before answering (to provoke client timeouts).</summary>
        public TimeSpan Delay { get; init; }
    }

    public FakeOpenAIServer Enqueue(Reply reply)
    {
        lock (_script) _script.Enqueue(reply);
        return this;
    }

    public FakeOpenAIServer ToolCalls(params (string Name, string Arguments)[] calls) => Enqueue(new Reply(200, new Dictionary<string, string>(), _ => Completion(null, calls)));

    /// <summary>Tool calls in a reply that <paramref name="stray"/> bends out of OpenAI's shape (as some servers send it).</summary>
    public FakeOpenAIServer Shaped(Action<JsonObject> stray, params (string Name, string Arguments)[] calls) => Enqueue(new Reply(200, new Dictionary<string, string>(), _ =>
    {
        var completion = Completion(null, calls);
        stray(completion);
        return completion;
    }));

    public FakeOpenAIServer Text(string content) => Enqueue(new Reply(200, new Dictionary<string, string>(), _ => Completion(content, [])));

    public FakeOpenAIServer Error(int status, IReadOnlyDictionary<string, string>? headers = null) => Enqueue(new Reply(status, headers ?? new Dictionary<string, string>(),
        _ => new JsonObject { ["error"] = new JsonObject { ["message"] = "scripted error", ["type"] = "rate_limit_exceeded", ["code"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture) } }));

    public int Remaining { get { lock (_script) return _script.Count; } }

    private JsonObject Completion(string? content, IReadOnlyList<(string Name, string Arguments)> calls)
    {
        var n = Interlocked.Increment(ref _id);
        var message = new JsonObject { ["role"] = "assistant", ["content"] = content, ["refusal"] = null };
        if (calls.Count > 0)
        {
            message["tool_calls"] = new JsonArray(calls.Select((c, i) => (JsonNode)new JsonObject
            {
                ["id"] = $"call_{n}_{i}",
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.Arguments },
            }).ToArray());
        }
        return new JsonObject
        {
            ["id"] = $"chatcmpl-{n}",
            ["object"] = "chat.completion",
            ["created"] = 1_700_000_000 + n,
            ["model"] = "test-model",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = message,
                ["logprobs"] = null,
                ["finish_reason"] = calls.Count > 0 ? "tool_calls" : "stop",
            }),
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = 100 + n,
                ["completion_tokens"] = 10 + n,
                ["total_tokens"] = 110 + 2 * n,
                ["completion_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 3 },
                ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = 50 },
            },
        };
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync().ConfigureAwait(false); }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            // Each request on its own task: a slow (delayed) answer must not hold up the client's retry.
            _ = Task.Run(async () =>
            {
                try
                {
                    await HandleAsync(context).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
                {
                    // The client went away (e.g. it timed out); nothing to answer.
                }
            });
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        string text;
        using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8)) text = await reader.ReadToEndAsync().ConfigureAwait(false);
        var body = JsonNode.Parse(text) as JsonObject ?? [];
        var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => context.Request.Headers[k] ?? "", StringComparer.OrdinalIgnoreCase);
        lock (Requests) Requests.Add(new RecordedRequest(context.Request.Url!.AbsolutePath, body, headers, DateTimeOffset.UtcNow));
        Reply? reply;
        lock (_script) _script.TryDequeue(out reply);
        reply ??= new Reply(500, new Dictionary<string, string>(), _ => new JsonObject { ["error"] = new JsonObject { ["message"] = "the test script ran out of replies" } });
        if (reply.Delay > TimeSpan.Zero) await Task.Delay(reply.Delay).ConfigureAwait(false);
        var payload = Encoding.UTF8.GetBytes(reply.Body(body).ToJsonString());
        context.Response.StatusCode = reply.Status;
        context.Response.ContentType = "application/json";
        foreach (var (k, v) in reply.Headers) context.Response.Headers[k] = v;
        context.Response.ContentLength64 = payload.Length;
        await context.Response.OutputStream.WriteAsync(payload).ConfigureAwait(false);
        context.Response.Close();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try { await _loop.ConfigureAwait(false); } catch (ObjectDisposedException) { }
    }
}
