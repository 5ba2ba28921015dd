using System.Globalization;

namespace AgentGym.Core.Tools;

/// <summary>
/// Holds an observation to a number of characters. A model sees every observation again on every later turn, so one
/// huge answer costs the whole rest of the episode; the cut keeps the start (at a line break when one is near) and
/// says how much was left out and how to see it.
/// </summary>
internal static class ObservationLimit
{
    public static ToolResult Apply(ToolResult result, int maxChars, string seeTheRest)
    {
        var text = result.Text;
        if (text.Length <= maxChars) return result;
        var note = string.Create(CultureInfo.InvariantCulture,
            $"\n[Observation cut: showing the first {{0:N0}} of {text.Length:N0} characters; {seeTheRest}.]");
        var keep = Math.Max(0, maxChars - note.Length - 16);
        // Prefer a line break in the last tenth of what is kept, so that no line is shown half.
        var lineBreak = text.LastIndexOf('\n', Math.Max(0, keep - 1));
        if (lineBreak >= keep - keep / 10 && lineBreak > 0) keep = lineBreak;
        // Never split a surrogate pair.
        if (keep > 0 && char.IsHighSurrogate(text[keep - 1])) keep--;
        var shown = text[..keep];
        return result with { Text = shown + string.Format(CultureInfo.InvariantCulture, note, shown.Length) };
    }
}
