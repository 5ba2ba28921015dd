namespace AgentGym.Core.Scoring;

/// <summary>
/// Student's t distribution for the significance check, written out so that Core needs no maths package.
/// CDF via the regularized incomplete beta function: for t &lt; 0, P(T &lt;= t) = I_{v/(v+t²)}(v/2, 1/2) / 2.
/// </summary>
internal static class StudentT
{
    public static double Cdf(double t, double degreesOfFreedom)
    {
        if (!(degreesOfFreedom > 0)) throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom), "degrees of freedom must be positive");
        if (double.IsNaN(t)) return double.NaN;
        if (double.IsNegativeInfinity(t)) return 0;
        if (double.IsPositiveInfinity(t)) return 1;
        var x = degreesOfFreedom / (degreesOfFreedom + t * t);
        var tail = 0.5 * RegularizedIncompleteBeta(degreesOfFreedom / 2, 0.5, x);
        return t < 0 ? tail : 1 - tail;
    }

    /// <summary>One-sided p-value of H0 "mean &gt;= target" against H1 "mean &lt; target" (small p: clearly below).</summary>
    public static double PValueBelow(IReadOnlyList<double> samples, double target, out double tStatistic)
    {
        var n = samples.Count;
        if (n < 2) throw new ArgumentException("the t-test needs at least two samples", nameof(samples));
        var mean = samples.Average();
        var variance = samples.Sum(s => (s - mean) * (s - mean)) / (n - 1);
        var se = Math.Sqrt(variance / n);
        if (se == 0)
        {
            // Identical samples: no spread, so the answer is certain either way.
            tStatistic = mean < target ? double.NegativeInfinity : mean > target ? double.PositiveInfinity : 0;
            return mean < target ? 0 : 1;
        }
        tStatistic = (mean - target) / se;
        return Cdf(tStatistic, n - 1);
    }

    /// <summary>I_x(a, b) by the continued fraction of Numerical Recipes (betacf), using the symmetry for fast convergence.</summary>
    public static double RegularizedIncompleteBeta(double a, double b, double x)
    {
        if (!(a > 0) || !(b > 0)) throw new ArgumentOutOfRangeException(nameof(a), "a and b must be positive");
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        var logFront = LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x);
        var front = Math.Exp(logFront);
        return x < (a + 1) / (a + b + 2)
            ? front * ContinuedFraction(a, b, x) / a
            : 1 - front * ContinuedFraction(b, a, 1 - x) / b;
    }

    private static double ContinuedFraction(double a, double b, double x)
    {
        const int maxIterations = 300;
        const double epsilon = 1e-15;
        const double tiny = 1e-300;
        var qab = a + b;
        var qap = a + 1;
        var qam = a - 1;
        var c = 1.0;
        var d = 1 - qab * x / qap;
        if (Math.Abs(d) < tiny) d = tiny;
        d = 1 / d;
        var h = d;
        for (var m = 1; m <= maxIterations; m++)
        {
            var m2 = 2 * m;
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + aa * d;
            if (Math.Abs(d) < tiny) d = tiny;
            c = 1 + aa / c;
            if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + aa * d;
            if (Math.Abs(d) < tiny) d = tiny;
            c = 1 + aa / c;
            if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            var delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < epsilon) return h;
        }
        return h;
    }

    /// <summary>ln Γ(x) for x &gt; 0 by the Lanczos approximation (g = 7, 9 terms; about 15 significant digits).</summary>
    public static double LogGamma(double x)
    {
        ReadOnlySpan<double> g =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        if (x < 0.5) return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        x -= 1;
        var sum = g[0];
        for (var i = 1; i < g.Length; i++) sum += g[i] / (x + i);
        var t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }
}
