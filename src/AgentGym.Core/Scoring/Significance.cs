using MathNet.Numerics.Distributions;

namespace AgentGym.Core.Scoring;

/// <summary>One-sided Student t-tests (MathNet.Numerics' Student t distribution).</summary>
internal static class Significance
{
    /// <summary>
    /// p-value of H0: mean(samples) >= threshold against H1: mean &lt; threshold; null with fewer than two samples.
    /// All samples equal: 0 when the mean is below the threshold, else 1.
    /// </summary>
    public static double? PValueBelow(IReadOnlyList<double> samples, double threshold, out double? t)
    {
        t = null;
        if (samples.Count < 2) return null;
        var mean = samples.Average();
        var sd = Math.Sqrt(samples.Sum(x => (x - mean) * (x - mean)) / (samples.Count - 1));
        if (sd == 0) return mean < threshold ? 0 : 1;
        t = (mean - threshold) / (sd / Math.Sqrt(samples.Count));
        return StudentT.CDF(0, 1, samples.Count - 1, t.Value);
    }

    /// <summary>p-value of H0: mean(differences) &lt;= 0 against H1: mean > 0 (a paired one-sided test).</summary>
    public static double? PValueAbove(IReadOnlyList<double> differences, out double? t)
    {
        var p = PValueBelow(differences.Select(d => -d).ToList(), 0, out var tBelow);
        t = -tBelow;
        return p;
    }
}
