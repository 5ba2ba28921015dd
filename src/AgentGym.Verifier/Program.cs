using System.Diagnostics;
using AgentGym.Core.Scoring;
using AgentGym.Verifier;
using TorchSharp;

// One JSON verdict (VerifierReport) on stdout, always: checks that fail are figures in the verdict, not an exit code.
// Only when no verdict can be written at all does the process exit non-zero (the scorer then records a verifier failure).
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancellation.Cancel(); };
var report = new VerifierReport();
var total = Stopwatch.StartNew();
try
{
    if (args is ["--help"] or ["-h"])
    {
        Console.Error.WriteLine(VerifierArguments.Usage);
        report.Errors.Add("usage requested");
    }
    else Run(args, report, cancellation.Token);
}
catch (Exception ex)
{
    // Anything unexpected (a native libtorch error, a model that throws) becomes a named error in the verdict.
    report.Errors.Add($"{ex.GetType().Name}: {ex.Message}");
}
report.Timings["total_ms"] = Math.Round(total.Elapsed.TotalMilliseconds, 1);
try
{
    Console.Out.WriteLine(report.ToJson());
    Console.Out.Flush();
    return 0;
}
catch (IOException)
{
    return 2;
}

static void Run(string[] rawArgs, VerifierReport report, CancellationToken cancellationToken)
{
    var errors = report.Errors;
    var a = VerifierArguments.Parse(rawArgs, errors);
    report.SequenceLength = a.SequenceLength;
    if (errors.Count > 0) return;

    // The container's CPU quota, not the host's core count: .NET's ProcessorCount already honours cgroup limits.
    torch.set_num_threads(Math.Max(1, Environment.ProcessorCount));
    report.JitExecutor = JitSettings.DisableOptimization();
    var device = torch.device(a.Device);
    var vocab = TokenShards.VocabSize(Path.Combine(a.DataDirectory, a.MetaFile));
    report.VocabSize = vocab;

    var clock = Stopwatch.StartNew();
    torch.jit.ScriptModule model;
    try
    {
        if (!File.Exists(a.ModelPath))
        {
            errors.Add($"model: no file at {a.ModelPath}");
            return;
        }
        model = torch.jit.load(a.ModelPath, device);
        model.eval();
    }
    catch (Exception ex)
    {
        errors.Add($"model: could not be loaded as TorchScript: {ex.Message.Split('\n')[0]}");
        return;
    }
    report.ModelLoadable = true;
    report.Timings["load_ms"] = Lap(clock);

    model.Dispose();
    var evaluator = new ModelEvaluator(() => torch.jit.load(a.ModelPath, device), device, a.SequenceLength, a.BatchSize, vocab);
    long[] val = [];
    long[] heldout = [];
    try
    {
        val = TokenShards.ReadFirst(a.DataDirectory, a.ValFiles, a.ValTokens);
        if (val.Length < a.ValTokens) errors.Add($"val: only {val.Length} tokens available, {a.ValTokens} asked for");
        var (valLoss, valCount) = evaluator.CrossEntropy(val, cancellationToken);
        report.ValLoss = Finite(valLoss, "val_loss", errors);
        report.ValTokensEvaluated = valCount;
        report.Timings["val_ms"] = Lap(clock);

        var heldoutTokens = a.HeldoutTokens > 0 ? a.HeldoutTokens : a.ValTokens;
        heldout = TokenShards.ReadFirst(a.DataDirectory, a.HeldoutFiles, heldoutTokens);
        var (heldoutLoss, heldoutCount) = evaluator.CrossEntropy(heldout, cancellationToken);
        report.HeldoutLoss = Finite(heldoutLoss, "heldout_loss", errors);
        report.HeldoutTokensEvaluated = heldoutCount;
        report.Timings["heldout_ms"] = Lap(clock);
    }
    catch (Exception ex) when (ex is not OperationCanceledException)
    {
        errors.Add($"loss: {ex.Message.Split('\n')[0]}");
    }

    try
    {
        // On the scored windows: a model that knows the visible split (it is in the workspace's data) must not be able
        // to be causal on it and peek on the rest.
        var probed = heldout.Length > 0 ? heldout : val;
        report.Causality = a.ProbeBatch > 0
            ? evaluator.Probe(probed, 0, a.ProbeBatch, a.Tolerance, a.Seed, cancellationToken)
            : evaluator.ProbeScoredShapes(probed, a.Tolerance, a.Seed, cancellationToken);
    }
    catch (Exception ex) when (ex is not OperationCanceledException)
    {
        errors.Add($"causality: the probe could not run: {ex.Message.Split('\n')[0]}");
    }
    report.Timings["probe_ms"] = Lap(clock);
    report.LogitsWidth = evaluator.LogitsWidth;
}

static double Lap(Stopwatch clock)
{
    var ms = Math.Round(clock.Elapsed.TotalMilliseconds, 1);
    clock.Restart();
    return ms;
}

static double? Finite(double value, string name, List<string> errors)
{
    if (double.IsFinite(value)) return value;
    errors.Add($"{name} is {value}");
    return null;
}
