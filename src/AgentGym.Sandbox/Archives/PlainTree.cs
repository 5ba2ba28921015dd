using System.IO.Pipelines;

namespace AgentGym.Sandbox.Archives;

/// <summary>Copies a folder as plain files (directories and regular files; symlinks skipped), through the same tar
/// writer and extractor the Docker path uses, so every backend filters the same way.</summary>
internal static class PlainTree
{
    public static Task<ExtractReport> CopyAsync(string from, string to, CancellationToken cancellationToken) =>
        CopyAsync(from, to, long.MaxValue, cancellationToken);

    /// <summary>As <see cref="CopyAsync(string, string, CancellationToken)"/>, stopping at maxBytes of file content (the report says what was cut).</summary>
    public static async Task<ExtractReport> CopyAsync(string from, string to, long maxBytes, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(to);
        var pipe = new Pipe();
        var write = Task.Run(async () =>
        {
            var stream = pipe.Writer.AsStream();
            try
            {
                await WorkspaceArchive.WriteAsync(from, stream, cancellationToken).ConfigureAwait(false);
                await pipe.Writer.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                await pipe.Writer.CompleteAsync(ex).ConfigureAwait(false);
                throw;
            }
        }, cancellationToken);
        var report = await WorkspaceArchive.ExtractAsync(pipe.Reader.AsStream(), to, maxBytes, cancellationToken).ConfigureAwait(false);
        await pipe.Reader.CompleteAsync().ConfigureAwait(false);
        await write.ConfigureAwait(false);
        return report;
    }

    /// <summary>Relative paths of the symlinks under <paramref name="directory"/> (what a plain copy drops).</summary>
    public static List<string> Links(string directory)
    {
        var links = new List<string>();
        Collect(new DirectoryInfo(directory), "", links);
        return links;
    }

    private static void Collect(DirectoryInfo directory, string prefix, List<string> links)
    {
        if (!directory.Exists) return;
        foreach (var info in directory.EnumerateFileSystemInfos())
        {
            if (info.LinkTarget is not null) links.Add(prefix + info.Name);
            else if (info is DirectoryInfo sub) Collect(sub, prefix + info.Name + "/", links);
        }
    }
}
