using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace AgentGym.Server.Http;

/// <summary>One Server-Sent Event: "id", "event" and one line of "data".</summary>
internal readonly record struct SseFrame(long Id, string Event, string Data);

/// <summary>
/// Writes a sequence as Server-Sent Events, with a comment line as heartbeat while nothing comes: a run can be silent
/// for minutes (compilation, data loading, a verification's training runs) and idle connections get cut by proxies and
/// client timeouts. (System.Net.ServerSentEvents' formatter writes no comments, hence this loop.)
/// </summary>
internal static class ServerSentEvents
{
    /// <param name="frame">The event for an item, or null to skip it (e.g. already seen by a resuming client).</param>
    /// <param name="isLast">True for the item after which the stream ends.</param>
    public static async Task WriteAsync<T>(HttpContext context, IAsyncEnumerable<T> items, Func<T, SseFrame?> frame, Func<T, bool> isLast,
        TimeSpan heartbeat, TimeProvider time, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        // Headers go out at once so that a client knows the stream exists before its first event.
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);

        // The enumerator gets a token of its own, cancelled on every way out, so that a MoveNextAsync still pending
        // always completes before the enumerator is disposed (disposing during a pending MoveNextAsync throws).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var enumerator = items.GetAsyncEnumerator(stop.Token);
        var next = enumerator.MoveNextAsync().AsTask();
        try
        {
            while (true)
            {
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
                var item = enumerator.Current;
                if (frame(item) is { } f)
                    await WriteRawAsync(response, string.Create(CultureInfo.InvariantCulture, $"id: {f.Id}\nevent: {f.Event}\ndata: {f.Data}\n\n"), cancellationToken).ConfigureAwait(false);
                if (isLast(item)) return;
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
