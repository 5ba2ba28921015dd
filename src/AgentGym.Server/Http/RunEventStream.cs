using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentGym.Core.Json;
using AgentGym.Core.Runs;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace AgentGym.Server.Http;

/// <summary>
/// Writes a run's telemetry as Server-Sent Events: "id" is the event's sequence (so a client can resume with
/// Last-Event-ID), "event" its kind (log, metric, end), "data" the event as JSON. The stream ends after the end event.
/// </summary>
internal static class RunEventStream
{
    public static async Task WriteAsync(HttpContext context, IAsyncEnumerable<RunEvent> events, TimeSpan heartbeat, TimeProvider time, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var resumeAfter = long.TryParse(context.Request.Headers["Last-Event-ID"].ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var last) ? last : -1;

        // Headers go out at once so a client knows the run exists before its first line arrives.
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);

        // The enumerator gets a token of its own, cancelled on every way out, so that a MoveNextAsync still pending
        // always completes before the enumerator is disposed (disposing during a pending MoveNextAsync throws).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var enumerator = events.GetAsyncEnumerator(stop.Token);
        var next = enumerator.MoveNextAsync().AsTask();
        try
        {
            while (true)
            {
                // Races the next event against a heartbeat timer: a run can be silent for minutes (compilation, data
                // loading) and idle connections get cut by proxies and client timeouts.
                using var beat = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                var delay = Task.Delay(heartbeat, time, beat.Token);
                if (await Task.WhenAny(next, delay).ConfigureAwait(false) != next)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    await WriteRawAsync(response, ": keep-alive\n\n", cancellationToken).ConfigureAwait(false);
                    continue;
                }
                await beat.CancelAsync().ConfigureAwait(false);
                if (!await next.ConfigureAwait(false)) return;
                var runEvent = enumerator.Current;
                if (runEvent.Sequence > resumeAfter)
                {
                    var data = JsonSerializer.Serialize(runEvent, JsonDefaults.Options);
                    await WriteRawAsync(response, string.Create(CultureInfo.InvariantCulture, $"id: {runEvent.Sequence}\nevent: {runEvent.Kind}\ndata: {data}\n\n"), cancellationToken).ConfigureAwait(false);
                }
                if (runEvent.Kind == RunEvent.EndKind) return;
                next = enumerator.MoveNextAsync().AsTask();
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try { await next.ConfigureAwait(false); }
            catch (OperationCanceledException) { /* the stream is over either way */ }
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task WriteRawAsync(HttpResponse response, string text, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
