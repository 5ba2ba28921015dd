// The Slurm sandbox (Docker runtime on the node) against the Docker backend, both sides in one run:
//   dotnet run --project bench/AgentGym.Slurm.Benchmarks -c Release -- [--seconds 30] [--rounds 2] [--shared DIR]
// Each round runs the same training script (it trains for --seconds of wall time on the node) through both backends,
// alternating so that load drifts hit both, and prints side by side: the latency from the call that run_training makes
// (ISandbox.RunAsync) to the first output line reaching the gym, the host's wall time of the whole call, the command's
// own wall time (the Slurm side measures it on the node), what the backend adds around the command (call minus
// command: container start, queue, copies, polling), and the call's difference to the Docker backend's. Needs a cluster (scripts/ensure-slurm.sh) and
// the agentgym-cpu image. A benchmark, not a test: the figures depend on the host, the cluster and their load.
using System.Diagnostics;
using System.Globalization;
using AgentGym.Core.Sandboxing;
using AgentGym.Sandbox;

var seconds = Arg("--seconds", 30);
var rounds = Arg("--rounds", 2);
var shared = ArgString("--shared", Path.Combine(Path.GetTempPath(), "agentgym-slurm-bench"));

const string Script = """
    import time
    t_start = time.perf_counter()
    print("start", flush=True)
    import os, torch, torch.nn as nn, torch.nn.functional as F
    torch.manual_seed(0)
    budget = float(os.environ["SECONDS"])
    V, T, B, D = 256, 64, 16, 128
    model = nn.Sequential(nn.Embedding(V, D), nn.Linear(D, 4 * D), nn.GELU(), nn.Linear(4 * D, D), nn.GELU(), nn.Linear(D, V))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    data = torch.randint(0, V, (200_000,))
    train_ms, step = 0.0, 0
    while time.perf_counter() - t_start < budget:
        step += 1
        t0 = time.perf_counter()
        ix = torch.randint(0, len(data) - T - 1, (B,))
        x = torch.stack([data[i:i + T] for i in ix]); y = torch.stack([data[i + 1:i + T + 1] for i in ix])
        loss = F.cross_entropy(model(x).view(-1, V), y.view(-1))
        opt.zero_grad(); loss.backward(); opt.step()
        train_ms += (time.perf_counter() - t0) * 1000
        if step % 10 == 0:
            print(f"step:{step} train_loss:{loss.item():.4f} train_time:{train_ms:.0f}ms step_avg:{train_ms / step:.2f}ms", flush=True)
    """;

var work = Directory.CreateTempSubdirectory("agentgym-slurm-bench-");
var workspace = work.CreateSubdirectory("workspace").FullName;
File.WriteAllText(Path.Combine(workspace, "train.py"), Script);
var docker = Sandboxes.CreateDocker(new DockerSandboxOptions());
var slurm = Sandboxes.CreateSlurm(new SlurmSandboxOptions { SharedDirectory = shared });
var results = new Dictionary<string, List<Measure>> { ["docker"] = [], ["slurm"] = [] };
try
{
    for (var round = 1; round <= rounds; round++)
    {
        foreach (var (name, sandbox) in new[] { ("docker", docker), ("slurm", slurm) })
        {
            var m = await MeasureAsync(sandbox, $"{name}-{round}");
            results[name].Add(m);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: {name,-7} {m.Outcome,-9} first line {m.First,6:0.00} s  call {m.Call,7:0.00} s  command {m.Command,7:0.00} s  around the command {m.Call - m.Command,6:0.00} s"));
        }
    }
}
finally
{
    (docker as IDisposable)?.Dispose();
    work.Delete(recursive: true);
}

Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"medians over {rounds} rounds, {seconds} s script, {Environment.ProcessorCount} CPUs, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}:"));
Console.WriteLine("| backend | run_training -> first line | call wall | command wall | around the command (call - command) | call vs Docker backend |");
Console.WriteLine("|---|---|---|---|---|---|");
var dockerCall = Median(results["docker"], m => m.Call);
foreach (var (name, list) in results)
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {(name == "slurm" ? "Slurm (docker runtime)" : "Docker backend")} | {Median(list, m => m.First):0.00} s | {Median(list, m => m.Call):0.00} s | {Median(list, m => m.Command):0.00} s | {Median(list, m => m.Call - m.Command):0.00} s | {Median(list, m => m.Call) - dockerCall:+0.00;-0.00;0.00} s |"));
return 0;

async Task<Measure> MeasureAsync(ISandbox sandbox, string run)
{
    var outputs = work.CreateSubdirectory("outputs-" + run).FullName;
    var watch = new FirstLine();
    var begin = Stopwatch.GetTimestamp();
    watch.Begin = begin;
    var result = await sandbox.RunAsync(new SandboxRunRequest
    {
        RunId = run,
        EpisodeId = "bench",
        WorkspaceDirectory = workspace,
        OutputDirectory = outputs,
        Command = ["python3", "train.py"],
        Environment = new Dictionary<string, string> { ["SECONDS"] = seconds.ToString(CultureInfo.InvariantCulture), ["PYTHONUNBUFFERED"] = "1" },
        Image = "agentgym-cpu",
        Limits = new SandboxLimits { Cpus = 2, MemoryMb = 2048, Pids = 256, DiskMb = 256 },
        TimeLimit = TimeSpan.FromSeconds(seconds * 4 + 60),
    }, watch, CancellationToken.None);
    var call = Stopwatch.GetElapsedTime(begin).TotalSeconds;
    return new Measure(result.Outcome.ToString(), watch.Seconds ?? double.NaN, call, result.WallTime.TotalSeconds);
}

static double Median(List<Measure> list, Func<Measure, double> pick)
{
    var sorted = list.Select(pick).Order().ToList();
    return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

string ArgString(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

internal sealed record Measure(string Outcome, double First, double Call, double Command);

/// <summary>Seconds from the call to the first stdout line's arrival at the gym (the host's clock, as the agent sees it).</summary>
internal sealed class FirstLine : ISandboxOutput
{
    public long Begin { get; set; }
    public double? Seconds { get; private set; }

    public void OnLine(SandboxLine line)
    {
        if (line.Stream == OutputStream.Stdout && Seconds is null) Seconds = Stopwatch.GetElapsedTime(Begin).TotalSeconds;
    }
}
