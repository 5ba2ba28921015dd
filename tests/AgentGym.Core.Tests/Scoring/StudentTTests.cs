using AgentGym.Core.Scoring;

namespace AgentGym.Core.Tests.Scoring;

public sealed class StudentTTests
{
    // Quantiles from standard t tables (e.g. NIST/SEMATECH e-Handbook, table of upper critical values).
    [Theory]
    [InlineData(2.015048, 5, 0.95)]
    [InlineData(-3.746947, 4, 0.01)]
    [InlineData(-6.964557, 2, 0.01)]
    [InlineData(2.228139, 10, 0.975)]
    [InlineData(-2.527977, 20, 0.01)]
    [InlineData(1.959964, 1e7, 0.975)]
    [InlineData(0.0, 3, 0.5)]
    public void Cdf_matches_table_values(double t, double df, double expected) =>
        Assert.Equal(expected, StudentT.Cdf(t, df), 5);

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.3)]
    [InlineData(4.5)]
    public void Cdf_matches_closed_forms_for_one_and_two_degrees_of_freedom(double t)
    {
        Assert.Equal(0.5 + Math.Atan(t) / Math.PI, StudentT.Cdf(t, 1), 12);            // Cauchy
        Assert.Equal(0.5 + t / (2 * Math.Sqrt(2 + t * t)), StudentT.Cdf(t, 2), 12);
    }

    [Fact]
    public void Incomplete_beta_and_log_gamma_match_exact_values()
    {
        Assert.Equal(11.0 / 16, StudentT.RegularizedIncompleteBeta(2, 3, 0.5), 12);    // I_0.5(2,3)
        Assert.Equal(0.5, StudentT.RegularizedIncompleteBeta(4.5, 4.5, 0.5), 12);      // symmetry
        Assert.Equal(1 - Math.Pow(0.7, 3), StudentT.RegularizedIncompleteBeta(1, 3, 0.3), 12); // I_x(1,b) = 1-(1-x)^b
        Assert.Equal(Math.Log(24), StudentT.LogGamma(5), 12);
        Assert.Equal(0.5 * Math.Log(Math.PI), StudentT.LogGamma(0.5), 12);
    }

    [Fact]
    public void One_sided_p_value_is_the_t_cdf_of_the_standardised_mean()
    {
        double[] losses = [2.00, 2.01, 1.99];
        var p = StudentT.PValueBelow(losses, 2.1, out var t);
        Assert.Equal((2.0 - 2.1) / (0.01 / Math.Sqrt(3)), t, 9);
        Assert.Equal(0.5 + t / (2 * Math.Sqrt(2 + t * t)), p, 12);
        Assert.True(p < 0.01);

        var notBelow = StudentT.PValueBelow([2.08, 2.12, 2.1], 2.1, out _);
        Assert.Equal(0.5, notBelow, 9);
    }

    [Fact]
    public void Identical_samples_decide_by_the_mean_alone()
    {
        Assert.Equal(0, StudentT.PValueBelow([1.9, 1.9], 2.0, out _));
        Assert.Equal(1, StudentT.PValueBelow([2.1, 2.1], 2.0, out _));
    }
}
