using System.Net;
using System.Net.Sockets;
using Docker.DotNet;
using Polly;
using Polly.Retry;

namespace AgentGym.Sandbox.Docker;

/// <summary>The sandbox could not use the engine or the image; the message says what to do and becomes a SandboxError result.</summary>
internal sealed class SandboxSetupException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The Docker client plus the retry policy. Engine calls go through <see cref="CallAsync{T}"/> so that transient errors are
/// retried a bounded number of times and an unreachable engine turns into one clear message.
/// </summary>
internal sealed class DockerEngine : IDisposable
{
    private readonly ResiliencePipeline _pipeline;

    public DockerEngine(DockerSandboxOptions options, TimeProvider time)
    {
        Endpoint = options.Endpoint;
        // No WithApiVersion: a pinned version is refused by engines newer or older than it (Docker 29 refuses < 1.44,
        // Debian's 20.10 speaks 1.41); unversioned paths get the engine's own version.
        Client = new DockerClientBuilder().WithEndpoint(options.Endpoint).Build();
        _pipeline = BuildPipeline(options.Retry, time);
    }

    public Uri Endpoint { get; }

    public DockerClient Client { get; }

    public string UnreachableMessage =>
        $"Docker engine not reachable at {Endpoint}: start it with `scripts/ensure-docker.sh` (or `dockerd &`)";

    internal static ResiliencePipeline BuildPipeline(DockerRetryOptions retry, TimeProvider time)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (retry.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = retry.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                Delay = retry.BaseDelay,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
            });
        }
        return builder.Build();
    }

    /// <summary>Connection failures, socket I/O errors and 5xx answers may pass; 4xx (not found, conflict, bad request) will not.</summary>
    internal static bool IsTransient(Exception ex) => ex switch
    {
        OperationCanceledException => false,
        DockerApiException api => (int)api.StatusCode >= 500,
        HttpRequestException => true,
        IOException => true,
        SocketException => true,
        _ => false,
    };

    /// <summary>True when the exception says the engine's socket could not be reached at all.</summary>
    internal static bool IsUnreachable(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is SocketException) return true;
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }) return true;
        }
        return false;
    }

    public async Task<T> CallAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await _pipeline.ExecuteAsync(async ct => await call(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && IsUnreachable(ex))
        {
            throw new SandboxSetupException(UnreachableMessage, ex);
        }
    }

    public Task CallAsync(Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        CallAsync(async ct => { await call(ct).ConfigureAwait(false); return true; }, cancellationToken);

    /// <summary>True for a 404 from the engine (missing image, container or exec).</summary>
    public static bool IsNotFound(Exception ex) => ex is DockerApiException { StatusCode: HttpStatusCode.NotFound };

    public void Dispose() => Client.Dispose();
}
