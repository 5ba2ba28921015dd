using System.Globalization;
using System.Text;

namespace AgentGym.Core.Workspace;

/// <summary>
/// The one rule for what counts as text, for the tools that write files and the ones that read them alike: UTF-8
/// (an optional BOM aside) with no NUL character. A string that breaks it is refused before anything is written, in
/// words that say where and what to do, so that nothing a writer accepts is later refused by a reader.
/// </summary>
internal static class TextRule
{
    public const string Statement = "files here must be UTF-8 text without NUL characters";

    /// <summary>Why <paramref name="text"/> is not text (where, and what is wrong), or null when it is.</summary>
    public static string? Problem(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0') return $"a NUL character (\\u0000) at {Where(text, i)}";
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsSurrogate(c))
                return $"a lone UTF-16 surrogate (\\u{(int)c:X4}) at {Where(text, i)}, half of a character that cannot be stored as UTF-8";
        }
        return null;
    }

    /// <summary>Why <paramref name="bytes"/> are not text, or null when they are.</summary>
    public static string? Problem(ReadOnlySpan<byte> bytes)
    {
        var nul = bytes.IndexOf((byte)0);
        if (nul >= 0) return $"a NUL byte at offset {nul.ToString("N0", CultureInfo.InvariantCulture)}";
        return System.Text.Unicode.Utf8.IsValid(bytes) ? null : "bytes that are not valid UTF-8";
    }

    private static string Where(ReadOnlySpan<char> text, int index)
    {
        var line = 1 + text[..index].Count('\n');
        var column = index - (text[..index].LastIndexOf('\n') + 1) + 1;
        return string.Create(CultureInfo.InvariantCulture, $"line {line}, column {column}");
    }
}
