namespace AgentGym.Core.Data;

/// <summary>
/// What a model reaches with no training beyond counting: unigram and bigram tables counted on the train split
/// (add-0.1 smoothing), scored like the verifier scores a model (mean next-token cross-entropy in nats over
/// non-overlapping windows of 64, every position predicted; a bigram window's first token uses its own left
/// neighbour inside the window, which the unigram covers). A task's target must sit below the bigram loss by a margin,
/// or counting bigrams for a few milliseconds would solve it.
/// </summary>
public static class ReferenceLosses
{
    public const double Smoothing = 0.1;
    public const int WindowLength = 64;

    /// <param name="Unigram">Loss of the counted unigram table.</param>
    /// <param name="Bigram">Loss of the counted bigram table.</param>
    public sealed record Losses(double Unigram, double Bigram);

    /// <summary>Losses on the first <paramref name="tokens"/> tokens of <paramref name="split"/>, tables counted on <paramref name="train"/>.</summary>
    public static Losses Compute(ReadOnlySpan<ushort> train, ReadOnlySpan<ushort> split, int vocabSize, long tokens)
    {
        var unigram = new double[vocabSize];
        var bigram = new double[vocabSize * vocabSize];
        var previous = new double[vocabSize];
        foreach (var t in train) unigram[t]++;
        for (var i = 1; i < train.Length; i++)
        {
            bigram[train[i - 1] * vocabSize + train[i]]++;
            previous[train[i - 1]]++;
        }
        var n = (int)Math.Min(split.Length, tokens);
        var windows = (n - 1) / WindowLength;
        double uni = 0, bi = 0;
        long count = 0;
        for (var w = 0; w < windows; w++)
            for (var j = 0; j < WindowLength; j++)
            {
                var a = split[w * WindowLength + j];
                var b = split[w * WindowLength + j + 1];
                uni -= Math.Log((unigram[b] + Smoothing) / (train.Length + Smoothing * vocabSize));
                bi -= Math.Log((bigram[a * vocabSize + b] + Smoothing) / (previous[a] + Smoothing * vocabSize));
                count++;
            }
        return count == 0 ? new Losses(double.NaN, double.NaN) : new Losses(uni / count, bi / count);
    }
}
