// Overhead of the Docker sandbox against a plain `docker run` of the same image and command:
//   dotnet run --project bench/AgentGym.Sandbox.Benchmarks -c Release -- [--steps N] [--rounds R] [--image agentgym-cpu:latest]
// For each round it runs the same ~30 s CPU training script both ways (alternating, so load drifts hit both) and
// prints the wall times, their ratio, and the latency from start to the first output line. A benchmark, not a test:
// the figures depend on the host and its load, and nothing here asserts on them.
using System.Diagnostics;
using System.Globalization;
using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox;

var steps = Arg("--steps", 100);
var rounds = Arg("--rounds", 2);
var image = ArgString("--image", "agentgym-cpu:latest");

const string Script = """
    import time
    print("start", flush=True)
    import os, torch, torch.nn as nn, torch.nn.functional as F
    torch.manual_seed(0)
    torch.set_num_threads(2)
    steps = int(os.environ["STEPS"])
    V, T, B, D = 256, 64, 16, 128
    model = nn.Sequential(nn.Embedding(V, D), nn.Linear(D, 4 * D), nn.GELU(), nn.Linear(4 * D, D), nn.GELU(), nn.Linear(D, V))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    data = torch.randint(0, V, (200_000,))
    train_ms = 0.0
    for step in range(1, steps + 1):
        t0 = time.perf_counter()
        ix = torch.randint(0, len(data) - T - 1, (B,))
        x = torch.stack([data[i:i + T] for i in ix]); y = torch.stack([data[i + 1:i + T + 1] for i in ix])
        loss = F.cross_entropy(model(x).view(-1, V), y.view(-1))
        opt.zero_grad(); loss.backward(); opt.step()
        train_ms += (time.perf_counter() - t0) * 1000
        if step % 10 == 0 or step == steps:
            print(f"step:{step}/{steps} train_loss:{loss.item():.4f} train_time:{train_ms:.0f}ms step_avg:{train_ms / step:.2f}ms", flush=True)
    """;

var work = Directory.CreateTempSubdirectory("agentgym-bench-");
var workspace = work.CreateSubdirectory("workspace").FullName;
File.WriteAllText(Path.Combine(workspace, "train.py"), Script);
var env = new Dictionary<string, string> { ["STEPS"] = steps.ToString(CultureInfo.InvariantCulture), ["PYTHONUNBUFFERED"] = "1" };
var limits = new SandboxLimits { Cpus = 2, MemoryMb = 2048, Pids = 256, DiskMb = 256 };

var sandbox = Sandboxes.CreateDocker(new DockerSandboxOptions());
var sandboxRuns = new List<(double Wall, double First)>();
var dockerRuns = new List<(double Wall, double First)>();
try
{
    for (var round = 1; round <= rounds; round++)
    {
        var d = await DockerRunAsync();
        dockerRuns.Add(d);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: docker run      wall {d.Wall,8:0.00} s  first line {d.First,6:0.000} s"));
        var s = await SandboxRunAsync(round);
        sandboxRuns.Add(s);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: DockerSandbox   wall {s.Wall,8:0.00} s  first line {s.First,6:0.000} s"));
    }
}
finally
{
    (sandbox as IDisposable)?.Dispose();
    work.Delete(recursive: true);
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

var sw = Median(sandboxRuns.Select(r => r.Wall));
var dw = Median(dockerRuns.Select(r => r.Wall));
var sf = Median(sandboxRuns.Select(r => r.First));
var df = Median(dockerRuns.Select(r => r.First));
Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median wall time:        DockerSandbox {sw:0.00} s, docker run {dw:0.00} s, ratio {sw / dw:0.000}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median first-line time:  DockerSandbox {sf:0.000} s, docker run {df:0.000} s"));
return 0;

async Task<(double Wall, double First)> SandboxRunAsync(int round)
{
    var outputs = work.CreateSubdirectory($"outputs-{round}").FullName;
    var first = new FirstLine();
    var start = Stopwatch.GetTimestamp();
    var result = await sandbox.RunAsync(new SandboxRunRequest
    {
        RunId = $"bench-{round}",
        EpisodeId = "bench",
        WorkspaceDirectory = workspace,
        OutputDirectory = outputs,
        Command = ["python3", "train.py"],
        Environment = env,
        Image = image,
        Limits = limits,
        TimeLimit = TimeSpan.FromMinutes(10),
    }, first, CancellationToken.None);
    var wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
    if (result.Outcome != RunOutcome.Succeeded) throw new InvalidOperationException($"sandbox run failed: {result.Outcome} {result.Reason}");
    return (wall, Stopwatch.GetElapsedTime(start, first.Timestamp).TotalSeconds);
}

async Task<(double Wall, double First)> DockerRunAsync()
{
    // The same command, image, limits and hardening as the sandbox, with the workspace bind-mounted instead of copied.
    var info = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var a in new[]
    {
        "run", "--rm", "--init", "--network", "none", "--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
        "--user", "65534:65534", "--memory", "2048m", "--memory-swap", "2048m", "--cpus", "2", "--pids-limit", "256",
        "--tmpfs", "/tmp:size=256m,mode=1777", "--tmpfs", "/outputs:size=256m,uid=65534,gid=65534",
        "-v", workspace + ":/workspace:ro", "-w", "/workspace", "-e", "STEPS=" + steps.ToString(CultureInfo.InvariantCulture), "-e", "PYTHONUNBUFFERED=1",
        image, "python3", "train.py",
    }) info.ArgumentList.Add(a);
    var start = Stopwatch.GetTimestamp();
    using var process = Process.Start(info)!;
    var stderr = process.StandardError.ReadToEndAsync();
    long firstLine = 0;
    while (await process.StandardOutput.ReadLineAsync() is not null)
    {
        if (firstLine == 0) firstLine = Stopwatch.GetTimestamp();
    }
    await process.WaitForExitAsync();
    var wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
    if (process.ExitCode != 0) throw new InvalidOperationException($"docker run failed ({process.ExitCode}): {await stderr}");
    return (wall, Stopwatch.GetElapsedTime(start, firstLine).TotalSeconds);
}

int Arg(string name, int fallback) => ArgString(name, null) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

string? ArgStringOrNull(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

string ArgString(string name, string? fallback) => ArgStringOrNull(name) ?? fallback!;

sealed class FirstLine : ISandboxOutput
{
    public long Timestamp { get; private set; }

    public void OnLine(SandboxLine line)
    {
        if (Timestamp == 0 && line.Stream == OutputStream.Stdout) Timestamp = line.HostTimestamp;
    }
}
