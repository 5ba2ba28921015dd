using System.Globalization;

namespace AgentGym.Sandbox.Slurm;

/// <summary>One record the node wrote: its clock in microseconds since the epoch, and the rest of the line as bytes.</summary>
internal readonly record struct StampedRecord(long EpochMicros, ReadOnlyMemory<byte> Text);

/// <summary>
/// Follows a file that the job's wrapper appends "EPOCH.MICROS text\n" records to, on a shared folder. Each read opens
/// the file afresh (close-to-open consistency on NFS), continues from the last complete record, and leaves a record
/// whose newline has not arrived yet for the next read. Not thread-safe: one reader.
/// </summary>
internal sealed class StampedFile(string path)
{
    private const int MaxReadBytes = 4 * 1024 * 1024;
    private long _offset;
    private byte[] _pending = [];

    public string Path { get; } = path;

    /// <summary>Complete records appended since the last call. <paramref name="final"/>: the writer is done, so a last
    /// record without a newline is returned too.</summary>
    public IReadOnlyList<StampedRecord> ReadNew(bool final = false)
    {
        var records = new List<StampedRecord>();
        byte[] chunk;
        try
        {
            using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length <= _offset && !final) return records;
            stream.Seek(_offset, SeekOrigin.Begin);
            var buffer = new byte[(int)Math.Min(MaxReadBytes, Math.Max(0, stream.Length - _offset))];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = stream.Read(buffer, read, buffer.Length - read);
                if (n == 0) break;
                read += n;
            }
            _offset += read;
            chunk = _pending.Length == 0 ? buffer[..read] : [.. _pending, .. buffer.AsSpan(0, read)];
        }
        catch (FileNotFoundException)
        {
            chunk = _pending;
        }
        catch (DirectoryNotFoundException)
        {
            chunk = _pending;
        }
        var start = 0;
        for (var i = 0; i < chunk.Length; i++)
        {
            if (chunk[i] != (byte)'\n') continue;
            if (Parse(chunk.AsMemory(start, i - start)) is { } record) records.Add(record);
            start = i + 1;
        }
        _pending = chunk[start..];
        if (final && _pending.Length > 0)
        {
            if (Parse(_pending) is { } record) records.Add(record);
            _pending = [];
        }
        return records;
    }

    /// <summary>"SECONDS.MICROS text" -> record; a line without a valid stamp is kept with stamp 0 (never dropped silently).</summary>
    internal static StampedRecord? Parse(ReadOnlyMemory<byte> line)
    {
        var span = line.Span;
        var space = span.IndexOf((byte)' ');
        var stampBytes = space < 0 ? span : span[..space];
        var text = space < 0 ? ReadOnlyMemory<byte>.Empty : line[(space + 1)..];
        return TryParseEpochMicros(System.Text.Encoding.ASCII.GetString(stampBytes), out var micros)
            ? new StampedRecord(micros, text)
            : new StampedRecord(0, line);
    }

    /// <summary>"1796083863.123456" (bash's EPOCHREALTIME, or date +%s.%N) -> microseconds, without float rounding.</summary>
    public static bool TryParseEpochMicros(string text, out long micros)
    {
        micros = 0;
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var whole = dot < 0 ? text : text[..dot];
        var fraction = dot < 0 ? "" : text[(dot + 1)..];
        if (whole.Length == 0 || !long.TryParse(whole, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return false;
        if (fraction.Length > 0 && !fraction.All(char.IsAsciiDigit)) return false;
        var six = (fraction + "000000")[..6];
        micros = seconds * 1_000_000 + long.Parse(six, NumberStyles.None, CultureInfo.InvariantCulture);
        return true;
    }
}
