using TorchSharp;
using static TorchSharp.torch;

namespace AgentGym.Verifier;

/// <summary>
/// Scores an exported TorchScript model: mean next-token cross-entropy over non-overlapping windows, and probes
/// that it is causal. Everything runs under no_grad with a dispose scope per batch so memory stays flat.
/// Every forward pass gets a freshly loaded model: a module that counts its calls, or remembers the inputs it saw (to
/// answer a probe with the logits it gave before), would otherwise behave one way when scored and another when probed.
/// </summary>
internal sealed class ModelEvaluator(Func<jit.ScriptModule> load, Device device, int sequenceLength, int batchSize, int? vocabSize)
{
    /// <summary>Largest output width seen, for the verdict.</summary>
    public long LogitsWidth { get; private set; }

    /// <summary>
    /// Mean cross-entropy of predicting tokens[t+1] from tokens[..t] over windows x = tokens[iL, iL+L),
    /// y = tokens[iL+1, iL+L+1), i &lt; (n-1)/L: the same windows the speedrun scripts validate on.
    /// </summary>
    public (double Loss, long Predicted) CrossEntropy(long[] tokens, CancellationToken cancellationToken)
    {
        var length = sequenceLength;
        var windows = (tokens.Length - 1) / length;
        if (windows <= 0) throw new VerifierInputException($"{tokens.Length} tokens are fewer than one window of {length} + 1");
        double total = 0;
        long count = 0;
        using var _ = no_grad();
        for (var start = 0; start < windows; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var rows = Math.Min(batchSize, windows - start);
            var x = new long[rows * length];
            var y = new long[rows * length];
            for (var r = 0; r < rows; r++)
            {
                var offset = (start + r) * length;
                Array.Copy(tokens, offset, x, r * length, length);
                Array.Copy(tokens, offset + 1, y, r * length, length);
            }
            var logits = Forward(tensor(x, [rows, length]).to(device));
            var flat = logits.reshape(-1, logits.shape[^1]).to_type(ScalarType.Float32);
            var loss = nn.functional.cross_entropy(flat, tensor(y).to(device), reduction: nn.Reduction.Sum);
            total += loss.to(CPU).item<float>();
            count += y.Length;
        }
        return (total / count, count);
    }

    /// <summary>
    /// Perturbs the tokens after position k (for every k &lt; T - 1) and measures how far the logits at positions &lt;= k move;
    /// a causal model leaves them unchanged. Then, for every row in turn, perturbs all the other rows entirely: the row's
    /// logits must not move, since in an evaluation batch the next row holds the current row's future.
    /// The probe starts from the windows that were scored (the held-out split), in a batch of the evaluation's shape, so
    /// that a model cannot tell the probe from the evaluation by its input's shape, by tokens that look random, or by
    /// recognising the visible split.
    /// </summary>
    public AgentGym.Core.Scoring.CausalityReport Probe(long[] tokens, int probeBatch, double tolerance, int seed, CancellationToken cancellationToken)
    {
        var vocab = vocabSize ?? (int)LogitsWidth;
        if (vocab < 2) throw new VerifierInputException("the vocabulary is too small to perturb tokens");
        var length = sequenceLength;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)seed);
        var windows = (tokens.Length - 1) / length;
        Tensor x;
        if (windows >= 2)
        {
            probeBatch = Math.Min(probeBatch, windows);
            x = tensor(tokens.AsSpan(0, probeBatch * length).ToArray(), [probeBatch, length]);
        }
        else x = randint(0, vocab, [probeBatch, length], dtype: ScalarType.Int64, generator: generator);
        var baseLogits = Forward(x.to(device)).to_type(ScalarType.Float32).to(CPU);
        var scale = Math.Max(1.0, baseLogits.abs().max().item<float>());
        var limit = tolerance * scale;
        // Every position: a model that peeks at the next token everywhere but a few places must not pass.
        var positions = Enumerable.Range(0, Math.Max(0, length - 1)).ToList();
        var maxDeviation = 0.0;
        var failures = new List<string>();
        var failing = new List<(int K, double Deviation)>();
        foreach (var k in positions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Shifting by 1..vocab-1 modulo vocab changes every later token, never to itself.
            var shift = randint(1, vocab, [probeBatch, length - k - 1], dtype: ScalarType.Int64, generator: generator);
            var perturbed = x.clone();
            perturbed[TensorIndex.Colon, TensorIndex.Slice(k + 1)] = (x[TensorIndex.Colon, TensorIndex.Slice(k + 1)] + shift).remainder(vocab);
            var logits = Forward(perturbed.to(device)).to_type(ScalarType.Float32).to(CPU);
            var deviation = (logits[TensorIndex.Colon, TensorIndex.Slice(0, k + 1)] - baseLogits[TensorIndex.Colon, TensorIndex.Slice(0, k + 1)])
                .abs().max().item<float>();
            maxDeviation = Math.Max(maxDeviation, deviation);
            if (!(deviation <= limit)) failing.Add((k, deviation));
        }

        // One line per failing position would flood the verdict: the first few, then a count.
        failures.AddRange(failing.Take(5).Select(f => $"perturbing tokens after position {f.K} moved logits at positions <= {f.K} by {f.Deviation:G4} (limit {limit:G4})"));
        if (failing.Count > 5) failures.Add($"... and {failing.Count - 5} more positions out of {positions.Count}");

        var crossRow = 0.0;
        var leakingRows = new List<(int Row, double Deviation)>();
        for (var row = 0; row < probeBatch; row++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var otherShift = randint(1, vocab, [probeBatch, length], dtype: ScalarType.Int64, generator: generator);
            otherShift[row].zero_();
            var others = (x + otherShift).remainder(vocab);
            var otherLogits = Forward(others.to(device)).to_type(ScalarType.Float32).to(CPU);
            var deviation = (double)(otherLogits[row] - baseLogits[row]).abs().max().item<float>();
            crossRow = Math.Max(crossRow, deviation);
            if (!(deviation <= limit)) leakingRows.Add((row, deviation));
        }
        maxDeviation = Math.Max(maxDeviation, crossRow);
        failures.AddRange(leakingRows.Take(3).Select(f => $"changing the other rows of the batch moved row {f.Row}'s logits by {f.Deviation:G4} (limit {limit:G4})"));
        if (leakingRows.Count > 3) failures.Add($"... and {leakingRows.Count - 3} more rows out of {probeBatch}");
        return new AgentGym.Core.Scoring.CausalityReport(failures.Count == 0, maxDeviation, limit, tolerance, positions, crossRow, failures);
    }

    private Tensor Forward(Tensor x)
    {
        using var model = load();
        model.eval();
        var output = model.call(x);
        var logits = output switch
        {
            Tensor single => single,
            // Some exports return (logits, loss); the contract is logits first.
            ValueTuple<Tensor, Tensor> pair => pair.Item1,
            object[] { Length: > 0 } items when items[0] is Tensor first => first,
            _ => throw new VerifierInputException($"the model's forward returned {output?.GetType().Name ?? "null"}, expected a logits tensor [B, T, V]"),
        };
        var b = x.shape[0];
        var t = x.shape[1];
        if (logits.dim() != 3 || logits.shape[0] != b || logits.shape[1] != t)
            throw new VerifierInputException($"the model's logits have shape [{string.Join(", ", logits.shape)}], expected [{b}, {t}, V]");
        if (!logits.is_floating_point())
            throw new VerifierInputException($"the model's logits are {logits.dtype}, expected a floating-point type");
        if (vocabSize is { } v && logits.shape[2] < v)
            throw new VerifierInputException($"the model's logits have {logits.shape[2]} columns, fewer than the vocabulary's {v}");
        LogitsWidth = Math.Max(LogitsWidth, logits.shape[2]);
        return logits;
    }
}


