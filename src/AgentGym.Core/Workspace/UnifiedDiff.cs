using System.Text;

namespace AgentGym.Core.Workspace;

/// <summary>Line-based unified diff (Myers' O(ND) algorithm), in the format of `diff -u`.</summary>
internal static class UnifiedDiff
{
    /// <summary>Beyond this many differing lines the diff is shown as a whole-file replacement rather than computed.</summary>
    private const int MaxEditDistance = 4000;

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

    internal static List<Op> Diff(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        int n = a.Count, m = b.Count, max = n + m;
        var offset = max + 1;
        var v = new int[2 * max + 3];
        var trace = new List<int[]>();
        var found = false;
        for (var d = 0; d <= Math.Min(max, MaxEditDistance) && !found; d++)
        {
            trace.Add((int[])v.Clone());
            for (var k = -d; k <= d; k += 2)
            {
                int x = k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
                var y = x - k;
                while (x < n && y < m && a[x] == b[y]) { x++; y++; }
                v[offset + k] = x;
                if (x >= n && y >= m) { found = true; break; }
            }
        }
        if (!found) return ReplaceAll(n, m);

        var ops = new List<Op>();
        int cx = n, cy = m;
        for (var d = trace.Count - 1; d >= 0; d--)
        {
            var vd = trace[d];
            var k = cx - cy;
            int prevK = k == -d || (k != d && vd[offset + k - 1] < vd[offset + k + 1]) ? k + 1 : k - 1;
            var prevX = d == 0 ? 0 : vd[offset + prevK];
            var prevY = prevX - prevK;
            while (cx > prevX && cy > prevY) { cx--; cy--; ops.Add(new Op(OpKind.Equal, cx, cy)); }
            if (d > 0)
            {
                if (cx == prevX) { cy--; ops.Add(new Op(OpKind.Insert, cx, cy)); }
                else { cx--; ops.Add(new Op(OpKind.Delete, cx, cy)); }
            }
        }
        ops.Reverse();
        return ops;
    }

    private static List<Op> ReplaceAll(int n, int m)
    {
        var ops = new List<Op>(n + m);
        for (var i = 0; i < n; i++) ops.Add(new Op(OpKind.Delete, i, 0));
        for (var j = 0; j < m; j++) ops.Add(new Op(OpKind.Insert, n, j));
        return ops;
    }
}
