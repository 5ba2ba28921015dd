using System.Text;

namespace AgentGym.Sandbox.Streams;

/// <summary>
/// Turns a byte stream into lines: UTF-8 decoded across chunk boundaries, split on \n, \r\n or a lone \r (progress bars
/// redraw with \r; treating it as a break keeps each state visible instead of one ever-growing line). A line longer
/// than <see cref="MaxLineChars"/> is emitted in pieces so that a flood without newlines cannot grow memory.
/// Not thread-safe: one splitter per stream, fed by one reader.
/// </summary>
internal sealed class LineSplitter
{
    public const int DefaultMaxLineChars = 64 * 1024;

    private readonly Decoder _decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    private readonly StringBuilder _line = new();
    private char[] _chars = new char[4096];
    private bool _lastWasCr;
    private bool _justCut;

    public LineSplitter(int maxLineChars = DefaultMaxLineChars)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineChars, 1);
        MaxLineChars = maxLineChars;
    }

    public int MaxLineChars { get; }

    /// <summary>Feeds bytes; calls <paramref name="onLine"/> for each complete line (without its terminator).</summary>
    public void Push(ReadOnlySpan<byte> bytes, Action<string> onLine)
    {
        var needed = _decoder.GetCharCount(bytes, flush: false);
        if (needed > _chars.Length) _chars = new char[Math.Max(needed, _chars.Length * 2)];
        var count = _decoder.GetChars(bytes, _chars, flush: false);
        PushChars(_chars.AsSpan(0, count), onLine);
    }

    /// <summary>Emits the partial last line, if any (call once at end of stream).</summary>
    public void Flush(Action<string> onLine)
    {
        var count = _decoder.GetChars(ReadOnlySpan<byte>.Empty, _chars, flush: true);
        PushChars(_chars.AsSpan(0, count), onLine);
        if (_line.Length > 0) Emit(onLine);
    }

    private void PushChars(ReadOnlySpan<char> chars, Action<string> onLine)
    {
        while (!chars.IsEmpty)
        {
            // A \n straight after a \r finishes the same \r\n terminator, even across chunks.
            if (_lastWasCr && chars[0] == '\n')
            {
                _lastWasCr = false;
                chars = chars[1..];
                continue;
            }
            _lastWasCr = false;
            var stop = chars.IndexOfAny('\n', '\r');
            var text = stop < 0 ? chars : chars[..stop];
            while (!text.IsEmpty)
            {
                var room = MaxLineChars - _line.Length;
                var take = Math.Min(room, text.Length);
                _line.Append(text[..take]);
                text = text[take..];
                if (_line.Length >= MaxLineChars) Emit(onLine);
            }
            if (stop < 0) return;
            _lastWasCr = chars[stop] == '\r';
            Emit(onLine, force: true);
            chars = chars[(stop + 1)..];
        }
    }

    private void Emit(Action<string> onLine, bool force = false)
    {
        // A terminator right after a cut piece would otherwise add an empty line that the script never printed.
        if (force && _line.Length == 0 && _justCut)
        {
            _justCut = false;
            return;
        }
        _justCut = !force;
        var text = _line.ToString();
        _line.Clear();
        onLine(text);
    }
}
