using System.Globalization;

namespace AgentGym.Verifier;

/// <summary>
/// The verifier's command line. Paths are as the verifier's container sees them (the scorer mounts the dataset at
/// /data and the model's folder at /workspace). Parsed by hand: the program must still print a verdict when its
/// arguments are wrong, and a parser library would add start-up time to every verification.
/// </summary>
internal sealed record VerifierArguments
{
    public string ModelPath { get; init; } = "/workspace/model.pt";
    public string DataDirectory { get; init; } = "/data";
    public string ValFiles { get; init; } = "visible/val_*.bin";
    public string HeldoutFiles { get; init; } = "heldout/heldout_*.bin";

    /// <summary>Meta file holding vocab_size, relative to the data folder; used to check the model's output width.</summary>
    public string MetaFile { get; init; } = "visible/meta.json";

    public long ValTokens { get; init; }

    /// <summary>Held-out tokens to score; 0 means as many as the val split, so that the two losses are comparable.</summary>
    public long HeldoutTokens { get; init; }

    public int SequenceLength { get; init; } = 64;
    public int BatchSize { get; init; } = 64;
    /// <summary>Rows of the causality probe; 0 means the evaluation's batch size (the default: same shape as the evaluation).</summary>
    public int ProbeBatch { get; init; }
    public double Tolerance { get; init; } = 1e-4;
    public int Seed { get; init; } = 1234;
    public string Device { get; init; } = "cpu";

    public const string Usage =
        "AgentGym.Verifier --model PATH --data DIR --val-tokens N [--val-files GLOB] [--heldout-files GLOB] [--meta FILE]\n" +
        "                  [--heldout-tokens N] [--seq-len L] [--batch B] [--probe-batch B] [--tolerance X] [--seed S] [--device cpu|cuda]\n" +
        "Prints one JSON verdict on stdout and exits 0, also when checks fail; exits 2 only when no verdict can be written.";

    public static VerifierArguments Parse(IReadOnlyList<string> args, List<string> errors)
    {
        var result = new VerifierArguments();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Count)
            {
                errors.Add($"argument {name} needs a value");
                break;
            }
            var value = args[++i];
            switch (name)
            {
                case "--model": result = result with { ModelPath = value }; break;
                case "--data": result = result with { DataDirectory = value }; break;
                case "--val-files": result = result with { ValFiles = value }; break;
                case "--heldout-files": result = result with { HeldoutFiles = value }; break;
                case "--meta": result = result with { MetaFile = value }; break;
                case "--val-tokens": result = result with { ValTokens = Long(name, value, errors) }; break;
                case "--heldout-tokens": result = result with { HeldoutTokens = Long(name, value, errors) }; break;
                case "--seq-len": result = result with { SequenceLength = (int)Long(name, value, errors) }; break;
                case "--batch": result = result with { BatchSize = (int)Long(name, value, errors) }; break;
                case "--probe-batch": result = result with { ProbeBatch = (int)Long(name, value, errors) }; break;
                case "--seed": result = result with { Seed = (int)Long(name, value, errors) }; break;
                case "--device": result = result with { Device = value }; break;
                case "--tolerance":
                    if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) && t >= 0) result = result with { Tolerance = t };
                    else errors.Add($"--tolerance: '{value}' is not a non-negative number");
                    break;
                default: errors.Add($"unknown argument {name}"); break;
            }
        }
        if (result.ValTokens <= 0) errors.Add("--val-tokens must be a positive token count");
        if (result.SequenceLength < 2) errors.Add("--seq-len must be at least 2");
        if (result.BatchSize < 1) errors.Add("--batch must be at least 1");
        if (result.ProbeBatch is < 0 or 1) errors.Add("--probe-batch must be 0 (the eval batch) or at least 2 (the batch-independence probe needs a second row)");
        return result;
    }

    private static long Long(string name, string value, List<string> errors)
    {
        if (long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)) return v;
        errors.Add($"{name}: '{value}' is not an integer");
        return 0;
    }
}
