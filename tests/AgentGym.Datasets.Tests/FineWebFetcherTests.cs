using System.Collections.Concurrent;
using AgentGym.Core.Data;
using AgentGym.Datasets;

namespace AgentGym.Datasets.Tests;

public sealed class FineWebFetcherTests : IAsyncLifetime
{
    private const string Val = "fineweb_val_000000.bin";
    private const string Train1 = "fineweb_train_000001.bin";
    private const string Train2 = "fineweb_train_000002.bin";

    private readonly ScratchDir _dir = new();
    private readonly LocalShardServer _server = new();
    private readonly ConcurrentQueue<FineWebFetchProgress> _progress = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private string Dest => _dir.Combine("fineweb10B");

    private static byte[] Shard(int tokens, int seed) => TestShards.Bytes(TestShards.Tokens(tokens, seed));

    private FineWebFetchOptions Options(int trainShards, int maxAttempts = 3) => new()
    {
        Destination = Dest,
        TrainShards = trainShards,
        BaseUrl = _server.BaseUrl,
        MaxAttempts = maxAttempts,
        RetryDelay = TimeSpan.FromMilliseconds(10),
        ReadTimeout = TimeSpan.FromSeconds(10),
        Progress = new InlineProgress(_progress),
    };

    private static Task<FineWebFetchResult> Fetch(FineWebFetchOptions options) =>
        FineWebFetch.RunAsync(options, CancellationToken.None);

    [Fact]
    public void File_names_follow_cached_fineweb10B()
    {
        Assert.Equal([Val, Train1, Train2], FineWebFetcher.FileNames(2));
        Assert.Equal("fineweb_train_000103.bin", FineWebFetcher.FileNames(103)[^1]);
        Assert.Equal(new Uri("https://huggingface.co/datasets/kjj0/fineweb10B-gpt2/resolve/main/"), FineWebFetchOptions.DefaultBaseUrl);
    }

    [Fact]
    public async Task Good_shards_are_downloaded_checked_and_reported()
    {
        var val = Shard(3000, seed: 1);
        var train1 = Shard(70000, seed: 2);
        var train2 = Shard(10, seed: 3);
        _server.Serve(Val, new ServedFile(val));
        _server.Serve(Train1, new ServedFile(train1));
        _server.Serve(Train2, new ServedFile(train2));

        var result = await Fetch(Options(trainShards: 2));

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal([Val, Train1, Train2], result.Shards.Select(s => s.File));
        Assert.All(result.Shards, s => Assert.Equal(ShardFetchStatus.Downloaded, s.Status));
        Assert.Equal([3000L, 70000L, 10L], result.Shards.Select(s => s.Tokens));
        Assert.Equal(val, File.ReadAllBytes(Path.Combine(Dest, Val)));
        Assert.Equal(train1, File.ReadAllBytes(Path.Combine(Dest, Train1)));
        Assert.Equal(train2, File.ReadAllBytes(Path.Combine(Dest, Train2)));
        Assert.Empty(Directory.GetFiles(Dest, "*.part"));
        Assert.Contains(_progress, p => p.File == Train1 && p.BytesDone == train1.Length && p.BytesTotal == train1.Length && p.FileIndex == 1 && p.FileCount == 3);
    }

    [Fact]
    public async Task A_partial_download_resumes_with_a_range_request()
    {
        var shard = Shard(50000, seed: 4);
        _server.Serve(Val, new ServedFile(shard));
        Directory.CreateDirectory(Dest);
        await File.WriteAllBytesAsync(Path.Combine(Dest, Val + ".part"), shard[..40000]);

        var result = await Fetch(Options(trainShards: 0));

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal(ShardFetchStatus.Resumed, Assert.Single(result.Shards).Status);
        Assert.Equal([(Val, (string?)"bytes=40000-")], _server.Requests);
        Assert.Equal(shard, await File.ReadAllBytesAsync(Path.Combine(Dest, Val)));
        Assert.False(File.Exists(Path.Combine(Dest, Val + ".part")));
    }

    [Fact]
    public async Task A_dropped_connection_is_retried_from_where_it_stopped()
    {
        var shard = Shard(200000, seed: 5);
        _server.Serve(Val, new ServedFile(shard) { DropFirstResponseAfter = 100000 });

        var result = await Fetch(Options(trainShards: 0));

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal(shard, await File.ReadAllBytesAsync(Path.Combine(Dest, Val)));
        var requests = _server.Requests.ToList();
        Assert.Equal(2, requests.Count);
        Assert.Null(requests[0].Range);
        Assert.NotNull(requests[1].Range);
        Assert.StartsWith("bytes=", requests[1].Range, StringComparison.Ordinal);
        Assert.NotEqual("bytes=0-", requests[1].Range);
    }

    [Fact]
    public async Task A_complete_part_file_is_accepted_when_the_server_has_nothing_more()
    {
        // An earlier run received every byte but stopped before renaming: the Range request gets 416.
        var shard = Shard(2000, seed: 15);
        _server.Serve(Val, new ServedFile(shard));
        Directory.CreateDirectory(Dest);
        await File.WriteAllBytesAsync(Path.Combine(Dest, Val + ".part"), shard);

        var result = await Fetch(Options(trainShards: 0));

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal(ShardFetchStatus.Resumed, Assert.Single(result.Shards).Status);
        Assert.Equal([(Val, (string?)$"bytes={shard.Length}-")], _server.Requests);
        Assert.Equal(shard, await File.ReadAllBytesAsync(Path.Combine(Dest, Val)));
    }

    [Fact]
    public async Task A_server_that_goes_silent_is_abandoned_after_the_read_timeout_and_resumed()
    {
        var shard = Shard(100000, seed: 16);
        _server.Serve(Val, new ServedFile(shard) { StallFirstResponseAfter = 50000, StallFor = TimeSpan.FromSeconds(30) });
        var started = System.Diagnostics.Stopwatch.StartNew();

        var result = await Fetch(Options(trainShards: 0) with { ReadTimeout = TimeSpan.FromSeconds(2) });

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal(shard, await File.ReadAllBytesAsync(Path.Combine(Dest, Val)));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(20), $"took {started.Elapsed}: the stalled read was not abandoned");
        // At least one resume; on a loaded machine a slow (not stalled) read may time out once more and resume again.
        Assert.InRange(_server.RequestsFor(Val), 2, 4);
        Assert.NotNull(_server.Requests.Last().Range);
    }

    [Fact]
    public async Task A_truncated_shard_is_rejected_with_a_clear_error_and_not_kept()
    {
        var shard = Shard(4000, seed: 6);
        _server.Serve(Val, new ServedFile(Shard(10, seed: 7)));
        _server.Serve(Train1, new ServedFile(shard) { ServeOnly = shard.Length - 1000 });

        var result = await Fetch(Options(trainShards: 1));

        var error = Assert.Single(result.Errors);
        Assert.Contains(Train1, error, StringComparison.Ordinal);
        Assert.Contains("truncated", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Dest, Train1)));
        Assert.False(File.Exists(Path.Combine(Dest, Train1 + ".part")));
        // The good file in the same run is still delivered.
        Assert.Equal(Val, Assert.Single(result.Shards).File);
    }

    [Fact]
    public async Task A_shard_with_the_wrong_magic_is_rejected()
    {
        _server.Serve(Val, new ServedFile(TestShards.Bytes(TestShards.Tokens(100, 8), magic: 20240519)));

        var result = await Fetch(Options(trainShards: 0));

        var error = Assert.Single(result.Errors);
        Assert.Contains(Val, error, StringComparison.Ordinal);
        Assert.Contains("magic number 20240519", error, StringComparison.Ordinal);
        Assert.Empty(result.Shards);
        Assert.False(File.Exists(Path.Combine(Dest, Val)));
        Assert.False(File.Exists(Path.Combine(Dest, Val + ".part")));
    }

    [Fact]
    public async Task A_stale_part_file_from_another_source_is_restarted_once()
    {
        var shard = Shard(3000, seed: 9);
        _server.Serve(Val, new ServedFile(shard));
        Directory.CreateDirectory(Dest);
        var stale = TestShards.Bytes(TestShards.Tokens(3000, 10), magic: 1)[..2000];
        await File.WriteAllBytesAsync(Path.Combine(Dest, Val + ".part"), stale);

        var result = await Fetch(Options(trainShards: 0));

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal(shard, await File.ReadAllBytesAsync(Path.Combine(Dest, Val)));
        Assert.Equal([(Val, (string?)"bytes=2000-"), (Val, null)], _server.Requests);
    }

    [Fact]
    public async Task A_server_ignoring_ranges_gets_the_whole_file_again()
    {
        var shard = Shard(3000, seed: 11);
        _server.Serve(Val, new ServedFile(shard) { IgnoreRange = true });
        Directory.CreateDirectory(Dest);
        await File.WriteAllBytesAsync(Path.Combine(Dest, Val + ".part"), shard[..1500]);

        var result = await Fetch(Options(trainShards: 0));

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal(shard, await File.ReadAllBytesAsync(Path.Combine(Dest, Val)));
    }

    [Fact]
    public async Task Not_found_is_reported_at_once_without_retries()
    {
        var result = await Fetch(Options(trainShards: 0, maxAttempts: 4));

        var error = Assert.Single(result.Errors);
        Assert.Contains(Val, error, StringComparison.Ordinal);
        Assert.Contains("HTTP 404", error, StringComparison.Ordinal);
        Assert.Equal(1, _server.RequestsFor(Val));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Server_errors_are_retried_a_bounded_number_of_times(int maxAttempts)
    {
        _server.Serve(Val, new ServedFile([]) { Status = 503 });

        var result = await Fetch(Options(trainShards: 0, maxAttempts: maxAttempts));

        var error = Assert.Single(result.Errors);
        Assert.Contains($"after {maxAttempts} attempt(s)", error, StringComparison.Ordinal);
        Assert.Contains("HTTP 503", error, StringComparison.Ordinal);
        Assert.Equal(maxAttempts, _server.RequestsFor(Val));
    }

    [Fact]
    public async Task Retries_wait_the_retry_delay_doubling_each_time()
    {
        _server.Serve(Val, new ServedFile([]) { Status = 503 });
        var started = System.Diagnostics.Stopwatch.StartNew();

        // Waits of 200 ms and 400 ms before the second and third tries.
        await Fetch(Options(trainShards: 0, maxAttempts: 3) with { RetryDelay = TimeSpan.FromMilliseconds(200) });

        Assert.Equal(3, _server.RequestsFor(Val));
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(600), $"three tries took only {started.Elapsed}");
    }

    [Fact]
    public async Task A_valid_shard_already_present_is_not_downloaded_again()
    {
        Directory.CreateDirectory(Dest);
        var shard = Shard(500, seed: 12);
        await File.WriteAllBytesAsync(Path.Combine(Dest, Val), shard);

        var result = await Fetch(Options(trainShards: 0));

        Assert.Equal(ShardFetchStatus.AlreadyPresent, Assert.Single(result.Shards).Status);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task An_invalid_file_in_place_is_reported_and_left_alone()
    {
        Directory.CreateDirectory(Dest);
        await File.WriteAllTextAsync(Path.Combine(Dest, Val), "not a shard");
        _server.Serve(Val, new ServedFile(Shard(10, seed: 13)));

        var result = await Fetch(Options(trainShards: 0));

        Assert.Contains("delete it", Assert.Single(result.Errors), StringComparison.Ordinal);
        Assert.Equal("not a shard", await File.ReadAllTextAsync(Path.Combine(Dest, Val)));
        Assert.Empty(_server.Requests);
    }

    [Theory]
    [InlineData(104, "shards")]
    [InlineData(-1, "shards")]
    public async Task Out_of_range_options_are_refused_with_the_option_named(int shards, string named)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Fetch(Options(shards)));
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_during_a_download_stops_the_fetch_at_once_without_retrying()
    {
        // The val shard stalls half-way for longer than the test may take; the read timeout is longer still, so only
        // the caller's cancellation can end the read.
        _server.Serve(Val, new ServedFile(Shard(100000, seed: 14)) { StallFirstResponseAfter = 50000, StallFor = TimeSpan.FromSeconds(60) });
        _server.Serve(Train1, new ServedFile(Shard(10, seed: 15)));
        using var cts = new CancellationTokenSource();
        var cancelled = new ConcurrentQueue<FineWebFetchProgress>();
        var options = Options(trainShards: 1) with
        {
            ReadTimeout = TimeSpan.FromSeconds(60),
            // The first report comes once the server has answered: the download is under way.
            Progress = new InlineProgress(cancelled, onReport: () => cts.Cancel()),
        };
        var started = System.Diagnostics.Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => FineWebFetch.RunAsync(options, cts.Token));

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"took {started.Elapsed}: the stalled read was not cancelled");
        Assert.Equal(Val, Assert.Single(cancelled.Select(p => p.File).Distinct()));
        Assert.Equal(1, _server.RequestsFor(Val));
        Assert.Equal(0, _server.RequestsFor(Train1));
        Assert.False(File.Exists(Path.Combine(Dest, Val)));
    }

    /// <summary>Records progress synchronously (Progress&lt;T&gt; posts to the thread pool and could arrive after the assertion).</summary>
    private sealed class InlineProgress(ConcurrentQueue<FineWebFetchProgress> sink, Action? onReport = null) : IProgress<FineWebFetchProgress>
    {
        public void Report(FineWebFetchProgress value)
        {
            sink.Enqueue(value);
            onReport?.Invoke();
        }
    }
}
