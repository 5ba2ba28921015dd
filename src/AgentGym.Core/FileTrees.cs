namespace AgentGym.Core;

/// <summary>File-tree copying shared by every layer (tasks, workspaces, runs, verification); it lives at Core's root, below them all.</summary>
internal static class FileTrees
{
    /// <summary>Copies a directory tree as plain files: links and special files are not followed or copied.</summary>
    public static void Copy(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var entry in new DirectoryInfo(source).EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null) continue;
            var target = Path.Combine(destination, entry.Name);
            if (entry is DirectoryInfo dir) Copy(dir.FullName, target);
            else if (entry is FileInfo file && (file.Attributes & (FileAttributes.Device | FileAttributes.ReparsePoint)) == 0) file.CopyTo(target, overwrite: true);
        }
    }

}
