using System.Net.Http.Headers;
using System.Text;

namespace AgentGym.Agents.Llm.Tolerance;

/// <summary>
/// An HttpClient handler that repairs chat completion replies (POST .../chat/completions, JSON, not streamed) with
/// <see cref="ChatCompletionRepair"/> before any SDK reads them. It sits at the HTTP level because the OpenAI SDK
/// throws while deserialising some shapes, before any code after the client could look. The gym's own OpenAI client
/// always goes through it; a builder's HttpClient-based client can use it too (<see cref="AgentChatClient.TolerantHttpHandler"/>).
/// Repairs are noted in <see cref="ReplyRepairs"/> for the trajectory; other bodies pass untouched.
/// </summary>
internal sealed class ReplyRepairHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!ShouldRepair(request, response)) return response;
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var notes = new List<string>();
        string? repaired;
        try
        {
            repaired = ChatCompletionRepair.Repair(body, notes);
        }
        catch
        {
            response.Dispose();
            throw;
        }
        ReplyRepairs.Add(notes);
        if (repaired is null)
        {
            // The body was read to check it; hand the SDK the same bytes again.
            repaired = body;
        }
        var content = new StringContent(repaired, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        response.Content.Dispose();
        response.Content = content;
        return response;
    }

    private static bool ShouldRepair(HttpRequestMessage request, HttpResponseMessage response) =>
        request.Method == HttpMethod.Post
        && request.RequestUri?.AbsolutePath.EndsWith("/chat/completions", StringComparison.Ordinal) == true
        && response.IsSuccessStatusCode
        && response.Content.Headers.ContentType?.MediaType is not "text/event-stream";
}

/// <summary>
/// The repairs made to the replies of the current model call. A scope opened around one call collects what the
/// handler below it (same async flow) noted, so the agent can put them into the trajectory beside the step.
/// </summary>
internal static class ReplyRepairs
{
    private static readonly AsyncLocal<List<string>?> Current = new();

    public static List<string> Begin()
    {
        var notes = new List<string>();
        Current.Value = notes;
        return notes;
    }

    public static void Add(List<string> notes)
    {
        if (notes.Count > 0 && Current.Value is { } current) lock (current) current.AddRange(notes);
    }
}
