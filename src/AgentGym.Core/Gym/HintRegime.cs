namespace AgentGym.Core.Gym;

/// <summary>Which hint levels the agent is shown (the benchmark's regimes: none, L1, L2, L3, L1+L2, L1+L2+L3).</summary>
[Flags]
public enum HintRegime
{
    None = 0,
    L1 = 1,
    L2 = 2,
    L3 = 4,
}

public static class HintRegimes
{
    public static IReadOnlyList<HintRegime> Benchmark { get; } =
        [HintRegime.None, HintRegime.L1, HintRegime.L2, HintRegime.L3, HintRegime.L1 | HintRegime.L2, HintRegime.L1 | HintRegime.L2 | HintRegime.L3];

    public static string Format(HintRegime regime) => regime == HintRegime.None
        ? "none"
        : string.Join('+', new[] { HintRegime.L1, HintRegime.L2, HintRegime.L3 }.Where(l => regime.HasFlag(l)).Select(l => l.ToString()));

    public static bool TryParse(string? text, out HintRegime regime)
    {
        regime = HintRegime.None;
        if (string.IsNullOrWhiteSpace(text) || text.Trim().Equals("none", StringComparison.OrdinalIgnoreCase)) return true;
        foreach (var part in text.Split('+', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            switch (part.ToUpperInvariant())
            {
                case "L1": regime |= HintRegime.L1; break;
                case "L2": regime |= HintRegime.L2; break;
                case "L3": regime |= HintRegime.L3; break;
                default: return false;
            }
        }
        return true;
    }

    public static HintRegime Parse(string? text) => TryParse(text, out var r)
        ? r
        : throw new FormatException($"Unknown hint regime '{text}'. Use none, L1, L2, L3, L1+L2 or L1+L2+L3.");
}
