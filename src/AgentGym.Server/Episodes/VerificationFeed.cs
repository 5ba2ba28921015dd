using System.Runtime.CompilerServices;
using AgentGym.Core.Scoring;

namespace AgentGym.Server.Episodes;

/// <summary>
/// An episode's verification progress, kept for the HTTP API's event stream: every event since the episode began,
/// so that a client that connects late still sees the whole verification.
/// </summary>
internal sealed class VerificationFeed : IProgress<VerificationProgress>
{
    private readonly Lock _gate = new();
    private readonly List<VerificationProgress> _events = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Report(VerificationProgress value)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _events.Add(value);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.SetResult();
    }

    /// <summary>Every event in order with its 0-based sequence, then the live ones; ends after the "done" event.</summary>
    public async IAsyncEnumerable<(long Sequence, VerificationProgress Event)> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var next = 0;
        while (true)
        {
            List<VerificationProgress> batch;
            Task changed;
            lock (_gate)
            {
                batch = _events.Skip(next).ToList();
                changed = _changed.Task;
            }
            foreach (var e in batch)
            {
                yield return (next++, e);
                if (e.Phase == "done") yield break;
            }
            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
