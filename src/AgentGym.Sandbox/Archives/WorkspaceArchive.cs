using System.Formats.Tar;

namespace AgentGym.Sandbox.Archives;

/// <summary>What came out of a tar stream: the plain files written and the entries refused.</summary>
internal sealed record ExtractReport(int Files, long Bytes, IReadOnlyList<string> Dropped);

/// <summary>
/// Moves workspace trees in and out of sandboxes as tar streams. Only directories and regular files travel: a symlink,
/// hard link, device or FIFO is never written on the host (docs/architecture.md: files a run leaves come back as plain files only),
/// and names that would leave the destination are refused.
/// </summary>
internal static class WorkspaceArchive
{
    /// <summary>Writes the directories and regular files under <paramref name="root"/> to a tar stream; symlinks are skipped, never followed.</summary>
    public static async Task WriteAsync(string root, Stream destination, CancellationToken cancellationToken)
    {
        var entries = 0;
        var writer = new TarWriter(destination, TarEntryFormat.Pax, leaveOpen: true);
        await using (writer.ConfigureAwait(false))
        {
            entries = await WriteDirectoryAsync(writer, new DirectoryInfo(root), "", cancellationToken).ConfigureAwait(false);
        }
        // TarWriter writes no end-of-archive blocks for an empty archive, and GNU tar refuses empty input.
        if (entries == 0) await destination.WriteAsync(new byte[1024], cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> WriteDirectoryAsync(TarWriter writer, DirectoryInfo directory, string prefix, CancellationToken cancellationToken)
    {
        var entries = 0;
        foreach (var info in directory.EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (info.LinkTarget is not null) continue;
            var name = prefix + info.Name;
            if (info is DirectoryInfo sub)
            {
                var entry = new PaxTarEntry(TarEntryType.Directory, name + "/") { Mode = DirectoryMode, ModificationTime = sub.LastWriteTimeUtc };
                await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
                entries += 1 + await WriteDirectoryAsync(writer, sub, name + "/", cancellationToken).ConfigureAwait(false);
            }
            // The snapshot comes from the episode workspace, which only ever holds plain files (the file tools and the
            // copy-back write nothing else), so a FileInfo here is a regular file; devices are skipped all the same.
            else if (info is FileInfo file && (file.Attributes & (FileAttributes.Device | FileAttributes.ReparsePoint)) == 0)
            {
                var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024, useAsync: true);
                await using (stream.ConfigureAwait(false))
                {
                    var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
                    {
                        // Keep the executable bits (scripts run with ./x.sh); everything else is normalised.
                        Mode = (file.UnixFileMode & UnixFileMode.UserExecute) != 0 ? ExecutableMode : FileMode_,
                        ModificationTime = file.LastWriteTimeUtc,
                        DataStream = stream,
                    };
                    await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
                    entries++;
                }
            }
        }
        return entries;
    }

    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
    private const UnixFileMode FileMode_ = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode ExecutableMode = FileMode_ | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>
    /// Extracts regular files and directories from <paramref name="tar"/> under <paramref name="destination"/>. Links,
    /// devices, FIFOs, absolute names and names with '..' are dropped and listed in the report. An existing symlink at or
    /// above a target is never followed: such entries are dropped too.
    /// </summary>
    public static async Task<ExtractReport> ExtractAsync(Stream tar, string destination, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(destination);
        var root = Path.GetFullPath(destination);
        var dropped = new List<string>();
        int files = 0;
        long bytes = 0;
        var reader = new TarReader(tar, leaveOpen: true);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                var relative = Normalize(entry.Name);
                if (relative is null)
                {
                    if (!IsRootName(entry.Name)) dropped.Add(entry.Name);
                    continue;
                }
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        if (!TryPrepare(root, relative, isDirectory: true, out _)) { dropped.Add(entry.Name); continue; }
                        break;
                    case TarEntryType.RegularFile:
                    case TarEntryType.V7RegularFile:
                    case TarEntryType.ContiguousFile:
                        if (!TryPrepare(root, relative, isDirectory: false, out var target)) { dropped.Add(entry.Name); continue; }
                        var output = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true);
                        await using (output.ConfigureAwait(false))
                        {
                            if (entry.DataStream is { } data) await data.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
                            bytes += output.Length;
                        }
                        if ((entry.Mode & UnixFileMode.UserExecute) != 0 && !OperatingSystem.IsWindows())
                            File.SetUnixFileMode(target, ExecutableMode);
                        files++;
                        break;
                    default:
                        dropped.Add(entry.Name);
                        break;
                }
            }
        }
        return new ExtractReport(files, bytes, dropped);
    }

    private static bool IsRootName(string name) => name is "." or "./" or "/" or "";

    /// <summary>A safe relative path with '/' separators, or null for the root, absolute names and '..' segments.</summary>
    internal static string? Normalize(string name)
    {
        if (name.StartsWith('/') || name.Contains('\\') || name.Contains('\0')) return null;
        var parts = name.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToList();
        if (parts.Count == 0 || parts.Any(p => p == "..")) return null;
        return string.Join('/', parts);
    }

    private static bool TryPrepare(string root, string relative, bool isDirectory, out string target)
    {
        target = Path.GetFullPath(Path.Combine(root, relative));
        if (!target.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)) return false;
        // Walk down from the root so that no existing symlink (planted earlier, or by a previous run) is followed.
        var current = root;
        var parts = relative.Split('/');
        for (var i = 0; i < parts.Length; i++)
        {
            current = Path.Combine(current, parts[i]);
            var last = i == parts.Length - 1;
            var info = new FileInfo(current);
            if (info.Exists || Directory.Exists(current))
            {
                FileSystemInfo existing = Directory.Exists(current) ? new DirectoryInfo(current) : info;
                if (existing.LinkTarget is not null)
                {
                    if (!last) return false;
                    existing.Delete();
                }
                else if (!last && existing is not DirectoryInfo) return false;
                else if (last && isDirectory && existing is not DirectoryInfo) return false;
                else if (last && !isDirectory && existing is DirectoryInfo) return false;
            }
            if (!last || isDirectory) Directory.CreateDirectory(current);
        }
        return true;
    }
}
