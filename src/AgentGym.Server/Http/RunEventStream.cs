using System.Globalization;
using System.Text.Json;
using AgentGym.Core.Json;
using AgentGym.Core.Runs;
using Microsoft.AspNetCore.Http;

namespace AgentGym.Server.Http;

/// <summary>
/// Writes a run's telemetry as Server-Sent Events: "id" is the event's sequence (so a client can resume with
/// Last-Event-ID), "event" its kind (log, metric, end), "data" the event as JSON. The stream ends after the end event.
/// </summary>
internal static class RunEventStream
{
    public static Task WriteAsync(HttpContext context, IAsyncEnumerable<RunEvent> events, TimeSpan heartbeat, TimeProvider time, CancellationToken cancellationToken)
    {
        var resumeAfter = long.TryParse(context.Request.Headers["Last-Event-ID"].ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var last) ? last : -1;
        return ServerSentEvents.WriteAsync(context, events,
            e => e.Sequence > resumeAfter ? new SseFrame(e.Sequence, e.Kind, JsonSerializer.Serialize(e, JsonDefaults.Options)) : null,
            e => e.Kind == RunEvent.EndKind, heartbeat, time, cancellationToken);
    }
}
