using System.Text;
using DiffPlex;
using DiffPlex.Chunkers;

namespace AgentGym.Core.Workspace;

/// <summary>Line-based unified diff in the format of `diff -u`; the line matching is DiffPlex's (Myers' O(ND) algorithm).</summary>
internal static class UnifiedDiff
{
    public static string Create(string oldPath, string newPath, IReadOnlyList<string> oldLines, IReadOnlyList<string> newLines, int context = 3)
    {
        var ops = Diff(oldLines, newLines);
        if (ops.All(o => o.Kind == OpKind.Equal)) return "";
        var sb = new StringBuilder();
        sb.Append("--- ").Append(oldPath).Append('\n').Append("+++ ").Append(newPath).Append('\n');

        var i = 0;
        while (i < ops.Count)
        {
            if (ops[i].Kind == OpKind.Equal) { i++; continue; }
            var start = Math.Max(0, i - context);
            var end = i;
            // Extend the hunk while changes are within 2*context equal lines of each other.
            while (end < ops.Count)
            {
                if (ops[end].Kind != OpKind.Equal) { end++; continue; }
                var run = end;
                while (run < ops.Count && ops[run].Kind == OpKind.Equal) run++;
                if (run == ops.Count || run - end > 2 * context) { end = Math.Min(ops.Count, end + context); break; }
                end = run;
            }

            var oldStart = ops[start].OldIndex;
            var newStart = ops[start].NewIndex;
            var oldCount = ops.Skip(start).Take(end - start).Count(o => o.Kind != OpKind.Insert);
            var newCount = ops.Skip(start).Take(end - start).Count(o => o.Kind != OpKind.Delete);
            sb.Append("@@ -").Append(Range(oldStart, oldCount)).Append(" +").Append(Range(newStart, newCount)).Append(" @@\n");
            for (var k = start; k < end; k++)
            {
                var op = ops[k];
                sb.Append(op.Kind switch { OpKind.Equal => ' ', OpKind.Delete => '-', _ => '+' })
                  .Append(op.Kind == OpKind.Insert ? newLines[op.NewIndex] : oldLines[op.OldIndex]).Append('\n');
            }
            i = end;
        }
        return sb.ToString();
    }

    private static string Range(int startIndex, int count) => count == 0 ? $"{startIndex},0" : count == 1 ? $"{startIndex + 1}" : $"{startIndex + 1},{count}";

    internal enum OpKind { Equal, Delete, Insert }

    /// <summary>An edit operation; OldIndex/NewIndex are the positions in each file where it applies.</summary>
    internal readonly record struct Op(OpKind Kind, int OldIndex, int NewIndex);

    /// <summary>The edit script from DiffPlex's line diff (Myers), as one operation per line in file order.</summary>
    internal static List<Op> Diff(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var blocks = Differ.Instance.CreateDiffs(OldKey, NewKey, ignoreWhiteSpace: false, ignoreCase: false, new PreSplit(a, b)).DiffBlocks;
        var ops = new List<Op>(Math.Max(a.Count, b.Count));
        int x = 0, y = 0;
        foreach (var block in blocks.OrderBy(bl => bl.DeleteStartA))
        {
            while (x < block.DeleteStartA) ops.Add(new Op(OpKind.Equal, x++, y++));
            for (var i = 0; i < block.DeleteCountA; i++) ops.Add(new Op(OpKind.Delete, x++, y));
            for (var j = 0; j < block.InsertCountB; j++) ops.Add(new Op(OpKind.Insert, x, y++));
        }
        while (x < a.Count) ops.Add(new Op(OpKind.Equal, x++, y++));
        return ops;
    }

    private const string OldKey = "old";
    private const string NewKey = "new";

    /// <summary>Hands DiffPlex the lines already split (endings and markers rendered), instead of letting it re-split text.</summary>
    private sealed class PreSplit(IReadOnlyList<string> oldLines, IReadOnlyList<string> newLines) : IChunker
    {
        public IReadOnlyList<string> Chunk(string text) => text == OldKey ? oldLines : newLines;
    }
}
