using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace AgentGym.Dashboard.Tests;

/// <summary>
/// A real `agentgym serve` child process on a free loopback port, with its own AGENTGYM_HOME and token; killed (with
/// its process tree) on dispose.
/// </summary>
internal sealed class ServeProcess : IAsyncDisposable
{
    public const string Token = "dashboard-test-token-0123456789";

    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private ServeProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        // submit holds its request while the verifier re-runs the code several times: minutes, more on a loaded host.
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(25) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    public Uri Address { get; }
    public HttpClient Client { get; }
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    public static async Task<ServeProcess> StartAsync(string home, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "agentgym.dll"));
        foreach (var a in (string[])["serve", "--urls", "http://127.0.0.1:0", .. args]) info.ArgumentList.Add(a);
        info.Environment["AGENTGYM_HOME"] = home;
        info.Environment["AGENTGYM_SERVER_TOKEN"] = Token;
        var process = Process.Start(info)!;
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
                throw new InvalidOperationException($"agentgym serve exited before it listened: {stderr}");
            const string ready = "agentgym server listening on ";
            if (line.StartsWith(ready, StringComparison.Ordinal))
            {
                var serve = new ServeProcess(process, new Uri(line[ready.Length..].Split(' ')[0]));
                lock (stderr) serve._stderr.Append(stderr);
                process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (serve._stderr) serve._stderr.AppendLine(e.Data); };
                return serve;
            }
        }
    }

    /// <summary>Runs another agentgym command to its end (data prepare, report).</summary>
    public static async Task<(int ExitCode, string Output)> RunCliAsync(string home, TimeSpan limit, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = RepoPaths.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "agentgym.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["AGENTGYM_HOME"] = home;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            // SIGTERM first: the server then closes its episodes, which removes their containers.
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await _process.WaitForExitAsync(grace.Token); }
            catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); await _process.WaitForExitAsync(); }
        }
        _process.Dispose();
    }
}
