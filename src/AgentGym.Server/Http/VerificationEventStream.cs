using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentGym.Core.Json;
using AgentGym.Server.Episodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace AgentGym.Server.Http;

/// <summary>
/// Writes an episode's verification progress as Server-Sent Events ("event: progress", data a VerificationProgress
/// as JSON, "id" its sequence); the stream ends after the "done" event. Comments keep idle connections open while a
/// run trains for minutes between two events.
/// </summary>
internal static class VerificationEventStream
{
    public static async Task WriteAsync(HttpContext context, VerificationFeed feed, TimeSpan heartbeat, TimeProvider time, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var enumerator = feed.WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        var next = enumerator.MoveNextAsync().AsTask();
        try
        {
            while (true)
            {
                if (await Task.WhenAny(next, Task.Delay(heartbeat, time, cancellationToken)).ConfigureAwait(false) != next)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    await WriteAsync(response, ": keep-alive\n\n", cancellationToken).ConfigureAwait(false);
                    continue;
                }
                if (!await next.ConfigureAwait(false)) return;
                var (sequence, progress) = enumerator.Current;
                var data = JsonSerializer.Serialize(progress, JsonDefaults.Options);
                await WriteAsync(response, string.Create(CultureInfo.InvariantCulture, $"id: {sequence}\nevent: progress\ndata: {data}\n\n"), cancellationToken).ConfigureAwait(false);
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

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
