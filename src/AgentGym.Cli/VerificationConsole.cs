using System.Globalization;
using AgentGym.Core.Scoring;

namespace AgentGym.Cli;

/// <summary>Prints a verification's progress as it goes, one line per run and check, and its measured times at the end.</summary>
internal sealed class VerificationConsole(TextWriter writer) : IProgress<VerificationProgress>
{
    public void Report(VerificationProgress value)
    {
        var counter = value.TotalSteps > 0 && value.Phase is "train" or "verify_model" ? $"[{value.Step + 1}/{value.TotalSteps}] " : "";
        writer.WriteLine($"verify: {counter}{value.Message}");
        writer.Flush();
    }

    /// <summary>Every measured time of the paired timing, pair by pair, in seconds.</summary>
    public static void WriteTimes(TextWriter writer, VerdictChecks checks)
    {
        if (checks.Timing is not { } t) return;
        var rows = t.Pairs.Select(p => new[]
        {
            p.Pair.ToString(CultureInfo.InvariantCulture), S(p.StartMs), S(p.SubmissionMs), p.NextMs is { } n ? S(n) : "-", S(p.StartUntimedMs), S(p.SubmissionUntimedMs), S(p.CountedUntimedMs),
        }).ToList();
        TextTable.Write(writer, ["pair", "start s", "submission s", "next s", "start untimed s", "submission untimed s", "counted untimed s"], rows);
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"FSR {t.Fsr?.ToString("F3", CultureInfo.InvariantCulture) ?? "n/a"} ({t.FsrSource}; reference ratio {t.ReferenceRatio:F3}); faster than the start: p = {t.FasterPValue?.ToString("G3", CultureInfo.InvariantCulture) ?? "n/a"}"));
    }

    private static string S(double ms) => (ms / 1000).ToString("F2", CultureInfo.InvariantCulture);
}
