using System.Diagnostics;
using System.Text.Json.Nodes;
using AgentGym.Verifier;
using TorchSharp;

// One JSON verdict on stdout, always: checks that fail are figures in the verdict, not an exit code. Only when no
// verdict can be written at all does the process exit non-zero (the scorer then records a verifier failure).
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancellation.Cancel(); };
var verdict = new JsonObject
{
    ["verifier"] = "agentgym-verifier",
    ["format"] = 1,
    ["model_loadable"] = false,
    ["val_loss"] = null,
    ["val_tokens_evaluated"] = 0,
    ["heldout_loss"] = null,
    ["heldout_tokens_evaluated"] = 0,
    ["causality"] = null,
};
var errors = new List<string>();
var timings = new JsonObject();
var total = Stopwatch.StartNew();
try
{
    if (args is ["--help"] or ["-h"])
    {
        Console.Error.WriteLine(VerifierArguments.Usage);
        errors.Add("usage requested");
    }
    else Run(args, verdict, errors, timings, cancellation.Token);
}
catch (Exception ex)
{
    // Anything unexpected (a native libtorch error, a model that throws) becomes a named error in the verdict.
    errors.Add($"{ex.GetType().Name}: {ex.Message}");
}
timings["total_ms"] = Math.Round(total.Elapsed.TotalMilliseconds, 1);
verdict["timings"] = timings;
verdict["errors"] = new JsonArray(errors.Select(e => (JsonNode)JsonValue.Create(e)).ToArray());
try
{
    Console.Out.WriteLine(verdict.ToJsonString());
    Console.Out.Flush();
    return 0;
}
catch (IOException)
{
    return 2;
}

static void Run(string[] rawArgs, JsonObject verdict, List<string> errors, JsonObject timings, CancellationToken cancellationToken)
{
    var a = VerifierArguments.Parse(rawArgs, errors);
    verdict["sequence_length"] = a.SequenceLength;
    if (errors.Count > 0) return;

    // The container's CPU quota, not the host's core count: .NET's ProcessorCount already honours cgroup limits.
    torch.set_num_threads(Math.Max(1, Environment.ProcessorCount));
    verdict["jit_executor"] = JitSettings.DisableOptimization();
    var device = torch.device(a.Device);
    var vocab = TokenShards.VocabSize(Path.Combine(a.DataDirectory, a.MetaFile));
    verdict["vocab_size"] = vocab;

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
    verdict["model_loadable"] = true;
    timings["load_ms"] = Lap(clock);

    var evaluator = new ModelEvaluator(model, device, a.SequenceLength, a.BatchSize, vocab);
    long[] val = [];
    try
    {
        val = TokenShards.ReadFirst(a.DataDirectory, a.ValFiles, a.ValTokens);
        if (val.Length < a.ValTokens) errors.Add($"val: only {val.Length} tokens available, {a.ValTokens} asked for");
        var (valLoss, valCount) = evaluator.CrossEntropy(val, cancellationToken);
        verdict["val_loss"] = Finite(valLoss, "val_loss", errors);
        verdict["val_tokens_evaluated"] = valCount;
        timings["val_ms"] = Lap(clock);

        var heldoutTokens = a.HeldoutTokens > 0 ? a.HeldoutTokens : a.ValTokens;
        var heldout = TokenShards.ReadFirst(a.DataDirectory, a.HeldoutFiles, heldoutTokens);
        var (heldoutLoss, heldoutCount) = evaluator.CrossEntropy(heldout, cancellationToken);
        verdict["heldout_loss"] = Finite(heldoutLoss, "heldout_loss", errors);
        verdict["heldout_tokens_evaluated"] = heldoutCount;
        timings["heldout_ms"] = Lap(clock);
    }
    catch (Exception ex) when (ex is not OperationCanceledException)
    {
        errors.Add($"loss: {ex.Message.Split('\n')[0]}");
    }

    try
    {
        var probe = evaluator.Probe(val, a.ProbeBatch > 0 ? a.ProbeBatch : a.BatchSize, a.Tolerance, a.Seed, cancellationToken);
        verdict["causality"] = new JsonObject
        {
            ["ok"] = probe.Ok,
            ["max_deviation"] = probe.MaxDeviation,
            ["limit"] = probe.Limit,
            ["tolerance"] = a.Tolerance,
            ["positions"] = new JsonArray(probe.Positions.Select(p => (JsonNode)p).ToArray()),
            ["cross_row_deviation"] = probe.CrossRowDeviation,
            ["failures"] = new JsonArray(probe.Failures.Select(f => (JsonNode)JsonValue.Create(f)).ToArray()),
        };
    }
    catch (Exception ex) when (ex is not OperationCanceledException)
    {
        errors.Add($"causality: the probe could not run: {ex.Message.Split('\n')[0]}");
    }
    timings["probe_ms"] = Lap(clock);
    verdict["logits_width"] = evaluator.LogitsWidth;
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
