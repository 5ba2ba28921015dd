using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using AgentGym.Core.Data;
using Polly;
using Polly.Retry;

namespace AgentGym.Datasets;

/// <summary>Downloads the speedrun's FineWeb10B token shards, like modded-nanogpt's data/cached_fineweb10B.py.</summary>
public static class FineWebFetch
{
    /// <summary>Fetches fineweb_val_000000.bin and fineweb_train_000001..N.bin into the destination.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it.</exception>
    public static async Task<FineWebFetchResult> RunAsync(FineWebFetchOptions options, CancellationToken cancellationToken)
    {
        FineWebFetcher.Validate(options);
        // No automatic decompression: byte offsets in Range requests must be offsets in the file.
        using var handler = new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None, AllowAutoRedirect = true };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("AgentGym", "1.0"));
        return await new FineWebFetcher(client, options).RunAsync(cancellationToken).ConfigureAwait(false);
    }
}

internal sealed class FineWebFetcher(HttpClient client, FineWebFetchOptions options)
{
    private const int ReportEveryBytes = 4 << 20;
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(1);

    public static void Validate(FineWebFetchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Destination))
            throw new ArgumentException("destination: must name a folder.");
        if (options.TrainShards is < 0 or > FineWebFetchOptions.DatasetTrainShards)
            throw new ArgumentException($"shards: must be between 0 and {FineWebFetchOptions.DatasetTrainShards} (the dataset has {FineWebFetchOptions.DatasetTrainShards} train shards), got {options.TrainShards}.");
        if (options.MaxAttempts < 1)
            throw new ArgumentException($"max attempts: must be at least 1, got {options.MaxAttempts}.");
        if (options.RetryDelay < TimeSpan.Zero)
            throw new ArgumentException("retry delay: must not be negative.");
        if (options.ReadTimeout <= TimeSpan.Zero)
            throw new ArgumentException("read timeout: must be positive.");
        if (!options.BaseUrl.IsAbsoluteUri || (options.BaseUrl.Scheme != Uri.UriSchemeHttp && options.BaseUrl.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"base URL: must be an absolute http(s) URL, got '{options.BaseUrl}'.");
    }

    /// <summary>The files cached_fineweb10B.py fetches for N train shards: the val shard first, then train 1..N.</summary>
    public static IReadOnlyList<string> FileNames(int trainShards) =>
        [.. new[] { "fineweb_val_000000.bin" }.Concat(Enumerable.Range(1, trainShards).Select(i => string.Create(CultureInfo.InvariantCulture, $"fineweb_train_{i:D6}.bin")))];

    public async Task<FineWebFetchResult> RunAsync(CancellationToken ct)
    {
        Validate(options);
        Directory.CreateDirectory(options.Destination);
        var names = FileNames(options.TrainShards);
        var shards = new List<FetchedShard>();
        var errors = new List<string>();
        var retry = Retry(ct);
        for (var i = 0; i < names.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                shards.Add(await FetchOneAsync(names[i], i, names.Count, retry, ct).ConfigureAwait(false));
            }
            catch (ShardFetchException ex)
            {
                // One bad file must not cost the others: report it and go on.
                errors.Add(ex.Message);
            }
        }
        return new FineWebFetchResult(shards, errors);
    }

    private async Task<FetchedShard> FetchOneAsync(string name, int index, int count, ResiliencePipeline retry, CancellationToken ct)
    {
        var final = Path.Combine(options.Destination, name);
        var part = final + ".part";
        var url = new Uri(BaseUrlWithSlash(), name);

        if (File.Exists(final))
        {
            if (TokenShard.TryReadHeader(final, out var existing, out var error))
            {
                options.Progress?.Report(new FineWebFetchProgress(name, index, count, existing.ExpectedFileLength, existing.ExpectedFileLength));
                return new FetchedShard(name, final, existing.TokenCount, ShardFetchStatus.AlreadyPresent);
            }
            // Never overwrite a file this fetcher did not just validate: it may be someone's data.
            throw new ShardFetchException($"{final}: already exists but is not a valid shard ({error}); delete it to download it again.");
        }

        var attempt = new AttemptState { ResumedFromEarlierRun = File.Exists(part) && new FileInfo(part).Length > 0 };
        try
        {
            return await retry.ExecuteAsync(
                async token => await AttemptAsync(name, url, part, final, index, count, attempt, token).ConfigureAwait(false), ct).ConfigureAwait(false);
        }
        catch (HttpStatusException ex) when (!ex.Retryable)
        {
            throw new ShardFetchException($"{name}: {ex.Message}");
        }
        catch (Exception ex) when (IsTransient(ex, ct))
        {
            // Every attempt failed on the network or the server; the .part keeps what arrived for the next run.
            throw new ShardFetchException(
                $"{name}: not downloaded after {options.MaxAttempts} attempt(s) from {url}: {ex.Message}" +
                (File.Exists(part) ? $" ({new FileInfo(part).Length} bytes kept in {part}; run again to resume)" : ""));
        }
    }

    /// <summary>One try: downloads what the .part lacks, checks the shard, and moves it into place.</summary>
    private async Task<FetchedShard> AttemptAsync(string name, Uri url, string part, string final, int index, int count, AttemptState state, CancellationToken ct)
    {
        var offset = File.Exists(part) ? new FileInfo(part).Length : 0;
        var outcome = await DownloadAsync(url, part, offset, name, index, count, ct).ConfigureAwait(false);
        if (!TokenShard.TryReadHeader(part, out var header, out var invalid))
        {
            // A .part left by an earlier run may belong to another file or version: start it over once before giving up.
            if (offset > 0 && !state.RestartedOnce)
            {
                state.RestartedOnce = true;
                state.ResumedFromEarlierRun = false;
                File.Delete(part);
                throw new InvalidDataException(invalid);
            }
            File.Delete(part);
            throw new ShardFetchException($"{name}: downloaded from {url} but rejected: {invalid}{(outcome == DownloadOutcome.NothingMore ? " (the server has no more bytes)" : "")}");
        }
        File.Move(part, final, overwrite: false);
        return new FetchedShard(name, final, header.TokenCount, state.ResumedFromEarlierRun ? ShardFetchStatus.Resumed : ShardFetchStatus.Downloaded);
    }

    /// <summary>
    /// Up to MaxAttempts tries per file, RetryDelay before the first retry, doubling up to a minute. Only transient failures
    /// are retried: not the caller's cancellation, a refused status such as 404, or a file the server sent that is not a shard.
    /// </summary>
    private ResiliencePipeline Retry(CancellationToken ct)
    {
        if (options.MaxAttempts == 1) return ResiliencePipeline.Empty;
        return new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                Delay = options.RetryDelay,
                MaxDelay = MaxRetryDelay,
                UseJitter = false,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => IsTransient(ex, ct)),
            })
            .Build();
    }

    private sealed class AttemptState
    {
        public bool ResumedFromEarlierRun { get; set; }
        public bool RestartedOnce { get; set; }
    }

    private async Task<DownloadOutcome> DownloadAsync(Uri url, string part, long offset, string name, int index, int count, CancellationToken ct)
    {
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(options.ReadTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (offset > 0) request.Headers.Range = new RangeHeaderValue(offset, null);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, idle.Token).ConfigureAwait(false);

        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && offset > 0)
            return DownloadOutcome.NothingMore; // the .part already holds everything the server has
        if (!response.IsSuccessStatusCode)
        {
            var code = (int)response.StatusCode;
            var retryable = code is 408 or 425 or 429 or >= 500;
            throw new HttpStatusException($"HTTP {code} {response.ReasonPhrase} for {url}", retryable);
        }

        var append = false;
        if (response.StatusCode == HttpStatusCode.PartialContent)
        {
            var start = response.Content.Headers.ContentRange?.From;
            if (start != offset)
            {
                // Appending a range that starts elsewhere would corrupt the file: the next attempt starts over.
                File.Delete(part);
                throw new InvalidDataException($"asked for bytes from {offset}, the server sent a range starting at {start?.ToString(CultureInfo.InvariantCulture) ?? "(none)"}");
            }
            append = true;
        }
        // A 200 to a Range request means the server ignores ranges: the body is the whole file again.
        var done = append ? offset : 0;
        long? total = response.Content.Headers.ContentLength is { } length ? done + length : null;
        options.Progress?.Report(new FineWebFetchProgress(name, index, count, done, total));

        await using var body = await response.Content.ReadAsStreamAsync(idle.Token).ConfigureAwait(false);
        await using var file = new FileStream(part, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        var buffer = new byte[1 << 16];
        var lastReport = done;
        while (true)
        {
            idle.CancelAfter(options.ReadTimeout);
            var read = await body.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
            if (read == 0) break;
            await file.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
            done += read;
            if (done - lastReport >= ReportEveryBytes)
            {
                lastReport = done;
                options.Progress?.Report(new FineWebFetchProgress(name, index, count, done, total));
            }
        }
        await file.FlushAsync(ct).ConfigureAwait(false);
        options.Progress?.Report(new FineWebFetchProgress(name, index, count, done, total));
        return DownloadOutcome.Complete;
    }

    private Uri BaseUrlWithSlash()
    {
        var text = options.BaseUrl.ToString();
        return text.EndsWith('/') ? options.BaseUrl : new Uri(text + "/");
    }

    /// <summary>Worth another attempt: the network or server failed, not the caller (cancellation) and not the file's content.</summary>
    private static bool IsTransient(Exception ex, CancellationToken ct) => ex switch
    {
        OperationCanceledException => !ct.IsCancellationRequested, // the idle timeout fired
        HttpStatusException status => status.Retryable,
        HttpRequestException or IOException or InvalidDataException => true,
        _ => false,
    };

    private enum DownloadOutcome { Complete, NothingMore }

    private sealed class HttpStatusException(string message, bool retryable) : Exception(message)
    {
        public bool Retryable { get; } = retryable;
    }
}

/// <summary>One file could not be fetched; the message names it and says why.</summary>
internal sealed class ShardFetchException(string message) : Exception(message);
