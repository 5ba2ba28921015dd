using System.Text;

namespace AgentGym.Core.Workspace;

/// <summary>Reads and writes workspace text files; binary and non-UTF-8 content is refused, never mangled.</summary>
internal static class TextFiles
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Read(ResolvedPath path)
    {
        if (Directory.Exists(path.FullPath))
            throw new ToolFailure($"'{path.RelativePath}' is a directory; use list_files to see its contents.");
        if (!File.Exists(path.FullPath))
            throw new ToolFailure($"File '{path.RelativePath}' does not exist. Use list_files to see what is there.");
        var bytes = File.ReadAllBytes(path.FullPath);
        return Decode(bytes, path.RelativePath);
    }

    /// <summary>The text of a file without its BOM; refused with the reason when it breaks the text rule.</summary>
    public static string Decode(byte[] bytes, string displayPath)
    {
        if (Array.IndexOf(bytes, (byte)0) >= 0)
            throw new ToolFailure($"'{displayPath}' is a binary file ({bytes.Length:N0} bytes, with {TextRule.Problem(bytes)}); only text files can be read or edited ({TextRule.Statement}).");
        try
        {
            var start = bytes.AsSpan().StartsWith(StrictUtf8BomBytes) ? 3 : 0;
            return StrictUtf8.GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException ex)
        {
            throw new ToolFailure($"'{displayPath}' is not valid UTF-8 (invalid byte at offset {ex.Index}); only UTF-8 text files can be read or edited.");
        }
    }

    /// <summary>
    /// Overwrites in place and then sets the length. Opening with truncation would make ext4 (auto_da_alloc) flush
    /// the file on close, which costs milliseconds per edit; the edit history keeps the previous version anyway.
    /// </summary>
    public static void Write(string fullPath, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        var bytes = StrictUtf8.GetBytes(content);
        using var stream = new FileStream(fullPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, bufferSize: 1);
        stream.Write(bytes);
        stream.SetLength(bytes.Length);
    }

    /// <summary>Splits into lines without their terminators; a final newline does not make an extra empty line.</summary>
    public static List<string> SplitLines(string text)
    {
        var lines = text.Split('\n').Select(l => l.EndsWith('\r') ? l[..^1] : l).ToList();
        if (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        return lines;
    }

    public static bool HasBom(ReadOnlySpan<byte> bytes) => bytes.StartsWith(StrictUtf8BomBytes);

    private static ReadOnlySpan<byte> StrictUtf8BomBytes => [0xEF, 0xBB, 0xBF];
}
