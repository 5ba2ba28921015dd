using System.ClientModel;
using System.Globalization;
using System.Net;
using AgentGym.Agents.Llm.Tolerance;
using Microsoft.SemanticKernel;
using Polly;
using Polly.Retry;

namespace AgentGym.Agents.Llm;

/// <summary>Why a retry happened and how long it waited; for logs and tests.</summary>
internal readonly record struct RetryEvent(int Attempt, int? StatusCode, TimeSpan Delay, string Reason);

/// <summary>
/// The one retry layer around every model call: 408, 409, 429, 5xx, network failures, timeouts and unreadable
/// replies (<see cref="ModelReplyException"/>) are retried, honouring Retry-After; other errors are not.
/// </summary>
internal static class ChatRetry
{
    public static ResiliencePipeline Build(ModelOptions options, ChatModelContext context)
    {
        var random = new Random(context.Seed);
        var maxDelay = TimeSpan.FromSeconds(options.MaxRetryDelaySeconds);
        var retry = new RetryStrategyOptions
        {
            MaxRetryAttempts = Math.Max(0, options.MaxRetries),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = context.BaseRetryDelay,
            MaxDelay = maxDelay,
            // Jitter from the episode's seed: a rerun waits the same way.
            Randomizer = random.NextDouble,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && IsTransient(ex, args.Context.CancellationToken)),
            DelayGenerator = args =>
            {
                var after = args.Outcome.Exception is { } ex ? RetryAfter(ex, context.Time) : null;
                return ValueTask.FromResult<TimeSpan?>(after is { } a ? (a > maxDelay ? maxDelay : a) : null);
            },
            OnRetry = args =>
            {
                var ex = args.Outcome.Exception;
                context.OnRetry?.Invoke(new RetryEvent(args.AttemptNumber + 1, StatusOf(ex), args.RetryDelay, Describe(ex)));
                return ValueTask.CompletedTask;
            },
        };
        var builder = new ResiliencePipelineBuilder { TimeProvider = context.Time };
        // max_retries 0 means no retry; Polly's retry strategy itself refuses 0 attempts.
        return retry.MaxRetryAttempts == 0 ? builder.Build() : builder.AddRetry(retry).Build();
    }

    internal static bool IsTransient(Exception ex, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return false;
        if (Unreadable(ex) is not null) return true;
        return StatusOf(ex) switch
        {
            408 or 409 or 429 => true,
            >= 500 and < 600 => true,
            null => ex is HttpOperationException or HttpRequestException or TimeoutException or OperationCanceledException or ClientResultException
                    || ex.InnerException is { } inner && IsTransient(inner, cancellationToken),
            _ => false,
        };
    }

    /// <summary>The unreadable-reply error, also when a client wrapped it.</summary>
    internal static ModelReplyException? Unreadable(Exception? ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
            if (e is ModelReplyException m) return m;
        return null;
    }

    private static int? StatusOf(Exception? ex) => ex switch
    {
        HttpOperationException { StatusCode: { } code } => (int)code,
        ClientResultException { Status: > 0 } c => c.Status,
        HttpOperationException { InnerException: ClientResultException { Status: > 0 } c } => c.Status,
        _ => null,
    };

    /// <summary>Retry-After (seconds or an HTTP date) or retry-after-ms from the failed response, when the server sent one.</summary>
    internal static TimeSpan? RetryAfter(Exception ex, TimeProvider time)
    {
        var response = (ex as ClientResultException ?? ex.InnerException as ClientResultException)?.GetRawResponse();
        if (response is null) return null;
        if (response.Headers.TryGetValue("retry-after-ms", out var ms) && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var millis) && millis >= 0)
            return TimeSpan.FromMilliseconds(millis);
        if (!response.Headers.TryGetValue("Retry-After", out var value) || value is null) return null;
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
            return TimeSpan.FromSeconds(seconds);
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            var wait = date - time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }

    private static string Describe(Exception? ex) => ex switch
    {
        null => "no exception",
        _ when Unreadable(ex) is { } m => $"unreadable reply: {m.Field}",
        _ when StatusOf(ex) is { } code => $"HTTP {code.ToString(CultureInfo.InvariantCulture)} ({(HttpStatusCode)code})",
        OperationCanceledException or TimeoutException => "the request timed out",
        _ => ex.GetType().Name,
    };
}
