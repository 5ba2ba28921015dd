namespace AgentGym.Core.Workspace;

/// <summary>
/// Edits that change only what they were asked to change. Models write '\n'; a file may use "\r\n" on some or all
/// lines. Matching happens on a view with "\r\n" read as '\n'; the replacement is spliced into the original text, so
/// every character outside the replaced span stays as it was, and each new line break takes the ending of the
/// line it replaces (or of the line it sits in).
/// </summary>
internal static class TextSplice
{
    /// <summary>The text with each "\r\n" read as '\n', and for each of its positions (and its end) the original index.</summary>
    public static (string View, int[] Map) View(string text)
    {
        var view = new System.Text.StringBuilder(text.Length);
        var map = new List<int>(text.Length + 1);
        for (var i = 0; i < text.Length; i++)
        {
            // A "\r\n" is one '\n' of the view that starts at the '\r', so a span ending before it leaves the '\r' alone.
            if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                map.Add(i);
                view.Append('\n');
                i++;
                continue;
            }
            map.Add(i);
            view.Append(text[i]);
        }
        map.Add(text.Length);
        return (view.ToString(), map.ToArray());
    }

    /// <summary>
    /// Replaces text[start..end) with <paramref name="replacement"/> (line breaks as '\n'). The k-th line break of the
    /// replacement takes the k-th ending of the replaced span (the last one when it has fewer), or, when the span
    /// holds none, the ending of the line the span is in.
    /// </summary>
    public static string Replace(string text, int start, int end, string replacement)
    {
        var endings = Endings(text.AsSpan(start, end - start));
        var fallback = endings.Count > 0 ? endings[^1] : EndingNear(text, start, end);
        var sb = new System.Text.StringBuilder(text.Length - (end - start) + replacement.Length + 8);
        sb.Append(text, 0, start);
        var k = 0;
        foreach (var c in replacement)
        {
            if (c == '\n') sb.Append(k < endings.Count ? endings[k++] : fallback);
            else sb.Append(c);
        }
        sb.Append(text, end, text.Length - end);
        return sb.ToString();
    }

    /// <summary>Splits into lines, each with its own ending ("\r\n", "\n", or "" for a last line without one).</summary>
    public static List<(string Text, string Ending)> Lines(string text)
    {
        var lines = new List<(string, string)>();
        var at = 0;
        while (at < text.Length)
        {
            var nl = text.IndexOf('\n', at);
            if (nl < 0)
            {
                lines.Add((text[at..], ""));
                break;
            }
            var crlf = nl > at && text[nl - 1] == '\r';
            lines.Add((text[at..(crlf ? nl - 1 : nl)], crlf ? "\r\n" : "\n"));
            at = nl + 1;
        }
        return lines;
    }

    /// <summary>The ending of the line that holds the span: the next break after it, else the last before it, else '\n'.</summary>
    private static string EndingNear(string text, int start, int end)
    {
        var next = text.IndexOf('\n', end);
        if (next >= 0) return next > 0 && text[next - 1] == '\r' ? "\r\n" : "\n";
        var previous = start > 0 ? text.LastIndexOf('\n', start - 1) : -1;
        if (previous >= 0) return previous > 0 && text[previous - 1] == '\r' ? "\r\n" : "\n";
        return "\n";
    }

    private static List<string> Endings(ReadOnlySpan<char> span)
    {
        var endings = new List<string>();
        for (var i = 0; i < span.Length; i++)
            if (span[i] == '\n') endings.Add(i > 0 && span[i - 1] == '\r' ? "\r\n" : "\n");
        return endings;
    }
}
