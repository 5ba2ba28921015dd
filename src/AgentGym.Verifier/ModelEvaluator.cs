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
    /// Causality of one batch, in next-token probabilities (softmax over the vocabulary), with an absolute tolerance:
    /// raw logits could be shifted by a constant or padded with a huge unused column to inflate any limit scaled by
    /// their size.
    /// Positions: each row r gets a cut k_r, every token after it is changed, and the probabilities at positions
    /// &lt;= k_r must not move. The cuts run through every k &lt; T - 1 (rows are independent, which the next part checks),
    /// so a few passes probe every position instead of one pass per position.
    /// Rows: for each bit of the row index, the rows with that bit set are changed entirely and the others must not
    /// move, then the other way round; any two rows differ in some bit, so a row that reads any other row is caught
    /// (in an evaluation batch the next row holds the current row's future).
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
        var random = new Random(seed);
        var windows = (tokens.Length - 1) / length;
        Tensor x;
        if (windows >= firstWindow + rows && rows >= 1)
            x = tensor(tokens.AsSpan(firstWindow * length, rows * length).ToArray(), [rows, length]);
        else x = randint(0, vocab, [Math.Max(rows, 2), length], dtype: ScalarType.Int64, generator: generator);
        var batch = (int)x.shape[0];
        var baseProbs = Probabilities(x);
        var limit = tolerance;
        // Every position: a model that peeks at the next token everywhere but a few places must not pass.
        var positions = Enumerable.Range(0, Math.Max(0, length - 1)).ToList();
        var failing = new SortedDictionary<int, double>();
        var maxDeviation = 0.0;
        var cuts = positions.Count;
        var passes = cuts == 0 ? 0 : (cuts + batch - 1) / batch + 1;
        var offset = random.Next(Math.Max(1, cuts));
        var column = arange(length, dtype: ScalarType.Int64);
        for (var pass = 0; pass < passes; pass++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // A scope per pass: every pass loads a model of its own.
            using var passScope = NewDisposeScope();
            var k = Enumerable.Range(0, batch).Select(r => (long)((r + pass * batch + offset) % cuts)).ToArray();
            var after = column[TensorIndex.None, TensorIndex.Colon] > tensor(k)[TensorIndex.Colon, TensorIndex.None]; // [B, T]
            var shift = randint(1, vocab, [batch, length], dtype: ScalarType.Int64, generator: generator) * after.to_type(ScalarType.Int64);
            var probs = Probabilities((x + shift).remainder(vocab));
            // Largest move per row over the positions the row's cut protects.
            var moved = ((probs - baseProbs).abs().amax([2]) * (~after).to_type(ScalarType.Float64)).amax([1]);
            for (var r = 0; r < batch; r++)
            {
                var deviation = moved[r].item<double>();
                maxDeviation = Math.Max(maxDeviation, deviation);
                if (!(deviation <= limit)) failing[(int)k[r]] = Math.Max(failing.GetValueOrDefault((int)k[r]), deviation);
            }
        }
        var failures = new List<string>();
        // One line per failing position would flood the verdict: the first few, then a count.
        failures.AddRange(failing.Take(5).Select(f => $"perturbing tokens after position {f.Key} moved next-token probabilities at positions <= {f.Key} by {f.Value:G4} (limit {limit:G4})"));
        if (failing.Count > 5) failures.Add($"... and {failing.Count - 5} more positions out of {positions.Count}");

        var crossRow = 0.0;
        var leakingRows = new SortedDictionary<int, double>();
        for (var bit = 0; batch > 1 && (1 << bit) < batch; bit++)
            foreach (var side in new[] { 0, 1 })
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var passScope = NewDisposeScope();
                var changed = Enumerable.Range(0, batch).Select(r => ((r >> bit) & 1) == side).ToArray();
                var rowMask = tensor(changed.Select(c => c ? 1L : 0L).ToArray())[TensorIndex.Colon, TensorIndex.None];
                var shift = randint(1, vocab, [batch, length], dtype: ScalarType.Int64, generator: generator) * rowMask;
                var moved = (Probabilities((x + shift).remainder(vocab)) - baseProbs).abs().amax([1, 2]);
                for (var r = 0; r < batch; r++)
                {
                    if (changed[r]) continue;
                    var deviation = moved[r].item<double>();
                    crossRow = Math.Max(crossRow, deviation);
                    if (!(deviation <= limit)) leakingRows[r] = Math.Max(leakingRows.GetValueOrDefault(r), deviation);
                }
            }
        maxDeviation = Math.Max(maxDeviation, crossRow);
        failures.AddRange(leakingRows.Take(3).Select(f => $"changing the other rows of the batch moved row {f.Key}'s probabilities by {f.Value:G4} (limit {limit:G4})"));
        if (leakingRows.Count > 3) failures.Add($"... and {leakingRows.Count - 3} more rows out of {batch}");
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


