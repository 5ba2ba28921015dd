using System.Formats.Tar;
using AgentGym.Sandbox.Archives;

namespace AgentGym.Sandbox.Tests;

public sealed class WorkspaceArchiveTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("agentgym-tar-").FullName;

    private string P(params string[] parts) => Path.Combine([_root, .. parts]);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Round_trip_keeps_directories_files_and_the_executable_bit_and_skips_symlinks()
    {
        Directory.CreateDirectory(P("src", "sub", "deep"));
        File.WriteAllText(P("src", "train.py"), "print(1)");
        File.WriteAllText(P("src", "sub", "deep", "data.txt"), "deep");
        File.WriteAllText(P("src", "run.sh"), "#!/bin/sh");
        File.SetUnixFileMode(P("src", "run.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(P("src", "empty"));
        File.CreateSymbolicLink(P("src", "passwd"), "/etc/passwd");
        Directory.CreateSymbolicLink(P("src", "etc"), "/etc");

        using var tar = new MemoryStream();
        await WorkspaceArchive.WriteAsync(P("src"), tar, CancellationToken.None);
        tar.Position = 0;
        var report = await WorkspaceArchive.ExtractAsync(tar, P("dst"), CancellationToken.None);

        Assert.Equal(3, report.Files);
        Assert.Empty(report.Dropped);
        Assert.Equal("deep", File.ReadAllText(P("dst", "sub", "deep", "data.txt")));
        Assert.True(Directory.Exists(P("dst", "empty")));
        Assert.True((File.GetUnixFileMode(P("dst", "run.sh")) & UnixFileMode.UserExecute) != 0);
        Assert.True((File.GetUnixFileMode(P("dst", "train.py")) & UnixFileMode.UserExecute) == 0);
        Assert.False(Path.Exists(P("dst", "passwd")));
        Assert.False(Path.Exists(P("dst", "etc")));
    }

    [Fact]
    public async Task An_empty_workspace_still_makes_a_valid_archive()
    {
        Directory.CreateDirectory(P("empty"));
        using var tar = new MemoryStream();
        await WorkspaceArchive.WriteAsync(P("empty"), tar, CancellationToken.None);
        Assert.Equal(1024, tar.Length);
        tar.Position = 0;
        var report = await WorkspaceArchive.ExtractAsync(tar, P("dst"), CancellationToken.None);
        Assert.Equal(0, report.Files);
    }

    [Fact]
    public async Task Links_devices_and_escaping_names_are_dropped()
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "./good.txt") { DataStream = new MemoryStream("good"u8.ToArray()) });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "./link") { LinkName = "/etc/passwd" });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "./hard") { LinkName = "/etc/passwd" });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.CharacterDevice, "./null") { DeviceMajor = 1, DeviceMinor = 3 });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.Fifo, "./fifo"));
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "../escape.txt") { DataStream = new MemoryStream("x"u8.ToArray()) });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "/abs.txt") { DataStream = new MemoryStream("x"u8.ToArray()) });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "a/../../escape2.txt") { DataStream = new MemoryStream("x"u8.ToArray()) });
        }
        tar.Position = 0;
        var report = await WorkspaceArchive.ExtractAsync(tar, P("dst"), CancellationToken.None);

        Assert.Equal(1, report.Files);
        Assert.Equal(["./link", "./hard", "./null", "./fifo", "../escape.txt", "/abs.txt", "a/../../escape2.txt"], report.Dropped);
        Assert.Equal(["good.txt"], Directory.EnumerateFileSystemEntries(P("dst")).Select(Path.GetFileName));
        Assert.False(File.Exists(P("escape.txt")));
    }

    [Fact]
    public async Task An_existing_symlink_in_the_destination_is_never_written_through()
    {
        Directory.CreateDirectory(P("dst"));
        Directory.CreateDirectory(P("outside"));
        File.WriteAllText(P("outside", "victim.txt"), "original");
        Directory.CreateSymbolicLink(P("dst", "dir"), P("outside"));
        File.CreateSymbolicLink(P("dst", "file.txt"), P("outside", "victim.txt"));
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "dir/victim.txt") { DataStream = new MemoryStream("pwned"u8.ToArray()) });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "file.txt") { DataStream = new MemoryStream("replaced"u8.ToArray()) });
        }
        tar.Position = 0;
        var report = await WorkspaceArchive.ExtractAsync(tar, P("dst"), CancellationToken.None);

        Assert.Equal(["dir/victim.txt"], report.Dropped);
        Assert.Equal("original", File.ReadAllText(P("outside", "victim.txt")));
        // The link itself was replaced by a plain file.
        Assert.Null(new FileInfo(P("dst", "file.txt")).LinkTarget);
        Assert.Equal("replaced", File.ReadAllText(P("dst", "file.txt")));
    }

    [Theory]
    [InlineData("a/b.txt", "a/b.txt")]
    [InlineData("./a//b.txt", "a/b.txt")]
    [InlineData("./", null)]
    [InlineData("..", null)]
    [InlineData("a/../b", null)]
    [InlineData("/etc/passwd", null)]
    [InlineData("a\\b", null)]
    public void Normalize_accepts_only_plain_relative_names(string name, string? expected) =>
        Assert.Equal(expected, WorkspaceArchive.Normalize(name));
}
