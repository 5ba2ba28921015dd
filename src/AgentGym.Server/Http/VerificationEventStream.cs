using System.Text.Json;
using AgentGym.Core.Json;
using AgentGym.Server.Episodes;
using Microsoft.AspNetCore.Http;

namespace AgentGym.Server.Http;

/// <summary>
/// Writes an episode's verification progress as Server-Sent Events ("event: progress", data a VerificationProgress
/// as JSON, "id" its sequence); the stream ends when the feed does, after the "done" event.
/// </summary>
internal static class VerificationEventStream
{
    public static Task WriteAsync(HttpContext context, VerificationFeed feed, TimeSpan heartbeat, TimeProvider time, CancellationToken cancellationToken) =>
        ServerSentEvents.WriteAsync(context, feed.WatchAsync(cancellationToken),
            item => new SseFrame(item.Sequence, "progress", JsonSerializer.Serialize(item.Event, JsonDefaults.Options)),
            _ => false, heartbeat, time, cancellationToken);
}
