using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AgentGym.Datasets.Tests;

/// <summary>How the test server answers for one file.</summary>
internal sealed record ServedFile(byte[] Bytes)
{
    /// <summary>Serve only this many bytes, honestly (Content-Length says so): the server's copy is truncated.</summary>
    public int? ServeOnly { get; init; }

    /// <summary>On the first request, announce the full length, send this many bytes, then drop the connection.</summary>
    public int? DropFirstResponseAfter { get; init; }

    /// <summary>On the first request, send this many bytes, then go silent for StallFor before sending the rest.</summary>
    public int? StallFirstResponseAfter { get; init; }

    public TimeSpan StallFor { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Answer every request with this status and no body.</summary>
    public int? Status { get; init; }

    /// <summary>Ignore Range headers (always 200 with the whole file).</summary>
    public bool IgnoreRange { get; init; }
}

/// <summary>A plain HTTP file server on 127.0.0.1 (System.Net.HttpListener) with Range support and scripted faults.</summary>
internal sealed class LocalShardServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly ConcurrentDictionary<string, ServedFile> _files = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _dropped = new(StringComparer.Ordinal);

    public LocalShardServer()
    {
        // Ask the OS for a free port, then listen there; retry in the rare case another process takes it first.
        for (var attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            BaseUrl = new Uri($"http://127.0.0.1:{port}/shards/");
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add(BaseUrl.ToString());
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }
        _loop = Task.Run(LoopAsync);
    }

    public Uri BaseUrl { get; }

    /// <summary>Every request: file name and Range header (null when none).</summary>
    public ConcurrentQueue<(string File, string? Range)> Requests { get; } = new();

    public void Serve(string name, ServedFile file) => _files[name] = file;

    public int RequestsFor(string name) => Requests.Count(r => r.File == name);

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync().ConfigureAwait(false); }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            var name = context.Request.Url!.AbsolutePath.Split('/')[^1];
            var range = context.Request.Headers["Range"];
            Requests.Enqueue((name, range));
            if (!_files.TryGetValue(name, out var file))
            {
                response.StatusCode = 404;
                response.Close();
                return;
            }
            if (file.Status is { } status)
            {
                response.StatusCode = status;
                response.Close();
                return;
            }
            var bytes = file.ServeOnly is { } only ? file.Bytes[..only] : file.Bytes;
            long start = 0;
            if (range is not null && !file.IgnoreRange)
            {
                start = long.Parse(range["bytes=".Length..].TrimEnd('-'), CultureInfo.InvariantCulture);
                if (start >= bytes.Length)
                {
                    response.StatusCode = 416;
                    response.AddHeader("Content-Range", $"bytes */{bytes.Length}");
                    response.Close();
                    return;
                }
                response.StatusCode = 206;
                response.AddHeader("Content-Range", $"bytes {start}-{bytes.Length - 1}/{bytes.Length}");
            }
            response.ContentLength64 = bytes.Length - start;
            var body = bytes.AsMemory((int)start);
            if (file.DropFirstResponseAfter is { } cut && _dropped.TryAdd(name, 1))
            {
                await response.OutputStream.WriteAsync(body[..Math.Min(cut, body.Length)]).ConfigureAwait(false);
                await response.OutputStream.FlushAsync().ConfigureAwait(false);
                response.Abort();
                return;
            }
            if (file.StallFirstResponseAfter is { } stall && _dropped.TryAdd(name, 1))
            {
                await response.OutputStream.WriteAsync(body[..Math.Min(stall, body.Length)]).ConfigureAwait(false);
                await response.OutputStream.FlushAsync().ConfigureAwait(false);
                await Task.Delay(file.StallFor).ConfigureAwait(false);
                body = body[Math.Min(stall, body.Length)..];
            }
            await response.OutputStream.WriteAsync(body).ConfigureAwait(false);
            response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away; nothing to answer.
            response.Abort();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop.ConfigureAwait(false);
    }
}
