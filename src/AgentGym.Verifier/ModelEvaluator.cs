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
    /// Probes causality on every batch shape the scoring used (the full batch and, when the windows do not divide
    /// evenly, the last one), starting from those very windows: a model that peeked only in batches of another height
    /// would otherwise be scored peeking and probed honest. See <see cref="Probe"/>.
    /// </summary>
    public AgentGym.Core.Scoring.CausalityReport ProbeScoredShapes(long[] tokens, double tolerance, int seed, CancellationToken cancellationToken)
    {
        var windows = (tokens.Length - 1) / sequenceLength;
        var first = Probe(tokens, 0, Math.Min(batchSize, Math.Max(windows, 2)), tolerance, seed, cancellationToken);
        var rest = windows % batchSize;
        if (windows <= batchSize || rest == 0) return first;
        var last = Probe(tokens, windows - rest, rest, tolerance, seed + 1, cancellationToken);
        return first with
        {
            Ok = first.Ok && last.Ok,
            MaxDeviation = Math.Max(first.MaxDeviation, last.MaxDeviation),
            CrossRowDeviation = Math.Max(first.CrossRowDeviation, last.CrossRowDeviation),
            Failures = [.. first.Failures, .. last.Failures.Select(f => $"(last batch, {rest} rows) {f}")],
        };
    }

    /// <summary>
    /// Perturbs the tokens after position k (for every k &lt; T - 1) and measures how far the next-token probabilities
    /// (softmax over the vocabulary) at positions &lt;= k move; a causal model leaves them unchanged. Then, for every row
    /// in turn, perturbs all the other rows entirely: the row's probabilities must not move, since in an evaluation
    /// batch the next row holds the current row's future. Probabilities, compared with an absolute tolerance, are what
    /// the loss sees: raw logits could be shifted by a constant or padded with a huge unused column to inflate any
    /// limit scaled by their size.
    /// The probe starts from scored windows (the held-out split), in a batch of a shape the scoring used, so that a model
    /// cannot tell the probe from the evaluation by its input's shape, by tokens that look random, or by recognising the
    /// visible split.
    /// </summary>
    /// <param name="firstWindow">Index of the first window of the batch.</param>
    /// <param name="rows">Rows of the batch (at least 1; the cross-row part needs 2).</param>
    public AgentGym.Core.Scoring.CausalityReport Probe(long[] tokens, int firstWindow, int rows, double tolerance, int seed, CancellationToken cancellationToken)
    {
        var vocab = vocabSize ?? (int)LogitsWidth;
        if (vocab < 2) throw new VerifierInputException("the vocabulary is too small to perturb tokens");
        var length = sequenceLength;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)seed);
        var windows = (tokens.Length - 1) / length;
        Tensor x;
        if (windows >= firstWindow + rows && rows >= 1)
            x = tensor(tokens.AsSpan(firstWindow * length, rows * length).ToArray(), [rows, length]);
        else x = randint(0, vocab, [Math.Max(rows, 2), length], dtype: ScalarType.Int64, generator: generator);
        var probeBatch = (int)x.shape[0];
        var baseProbs = Probabilities(x);
        var limit = tolerance;
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
            var probs = Probabilities(perturbed);
            var deviation = (double)(probs[TensorIndex.Colon, TensorIndex.Slice(0, k + 1)] - baseProbs[TensorIndex.Colon, TensorIndex.Slice(0, k + 1)])
                .abs().max().item<double>();
            maxDeviation = Math.Max(maxDeviation, deviation);
            if (!(deviation <= limit)) failing.Add((k, deviation));
        }

        // One line per failing position would flood the verdict: the first few, then a count.
        failures.AddRange(failing.Take(5).Select(f => $"perturbing tokens after position {f.K} moved next-token probabilities at positions <= {f.K} by {f.Deviation:G4} (limit {limit:G4})"));
        if (failing.Count > 5) failures.Add($"... and {failing.Count - 5} more positions out of {positions.Count}");

        var crossRow = 0.0;
        var leakingRows = new List<(int Row, double Deviation)>();
        for (var row = 0; probeBatch > 1 && row < probeBatch; row++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var otherShift = randint(1, vocab, [probeBatch, length], dtype: ScalarType.Int64, generator: generator);
            otherShift[row].zero_();
            var probs = Probabilities((x + otherShift).remainder(vocab));
            var deviation = (double)(probs[row] - baseProbs[row]).abs().max().item<double>();
            crossRow = Math.Max(crossRow, deviation);
            if (!(deviation <= limit)) leakingRows.Add((row, deviation));
        }
        maxDeviation = Math.Max(maxDeviation, crossRow);
        failures.AddRange(leakingRows.Take(3).Select(f => $"changing the other rows of the batch moved row {f.Row}'s probabilities by {f.Deviation:G4} (limit {limit:G4})"));
        if (leakingRows.Count > 3) failures.Add($"... and {leakingRows.Count - 3} more rows out of {probeBatch}");
        return new AgentGym.Core.Scoring.CausalityReport(failures.Count == 0, maxDeviation, limit, tolerance, positions, crossRow, failures);
    }

    /// <summary>Next-token probabilities [B, T, V] on the CPU in double precision.</summary>
    private Tensor Probabilities(Tensor x) =>
        nn.functional.softmax(Forward(x.to(device)).to_type(ScalarType.Float64), -1).to(CPU);

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
        // Columns past the vocabulary (a padded head) predict no token: they are neither scored nor probed.
        return vocabSize is { } width && logits.shape[2] > width ? logits.narrow(2, 0, width) : logits;
    }
}


