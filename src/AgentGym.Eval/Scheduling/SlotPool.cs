namespace AgentGym.Eval.Scheduling;

/// <summary>
/// Hands out CPU cores and GPU ids to cells. Requests are served strictly in arrival order (a large request is never
/// starved by a stream of small ones); a grant never gives out more cores than the pool has or a GPU id that another
/// holder still has.
/// </summary>
internal sealed class SlotPool
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Waiter> _queue = new();
    private readonly List<string> _freeGpus;
    private readonly int _maxHolders;
    private double _freeCpus;
    private int _holders;

    public SlotPool(double cpus, IReadOnlyList<string> gpuIds, int maxHolders)
    {
        if (!(cpus > 0)) throw new ArgumentOutOfRangeException(nameof(cpus), "cpus must be positive");
        if (maxHolders < 1) throw new ArgumentOutOfRangeException(nameof(maxHolders), "maxHolders must be at least 1");
        Cpus = cpus;
        _freeCpus = cpus;
        _freeGpus = [.. gpuIds];
        GpuIds = [.. gpuIds];
        _maxHolders = maxHolders;
    }

    public double Cpus { get; }
    public IReadOnlyList<string> GpuIds { get; }

    /// <param name="gpus">0 none, n that many, -1 every GPU of the pool.</param>
    public async Task<SlotLease> AcquireAsync(double cpus, int gpus, CancellationToken cancellationToken)
    {
        var wantCpus = Math.Min(cpus, Cpus);
        var wantGpus = gpus < 0 ? GpuIds.Count : gpus;
        if (wantGpus > GpuIds.Count)
            throw new InvalidOperationException($"a cell needs {wantGpus} GPUs but the pool has {GpuIds.Count}");
        var waiter = new Waiter(wantCpus, wantGpus);
        lock (_gate)
        {
            _queue.AddLast(waiter.Node = new LinkedListNode<Waiter>(waiter));
            GrantLocked();
        }
        using (cancellationToken.Register(() => Cancel(waiter, cancellationToken)))
            return await waiter.Completion.Task.ConfigureAwait(false);
    }

    private void Cancel(Waiter waiter, CancellationToken token)
    {
        lock (_gate)
        {
            if (waiter.Node?.List is null) return; // already granted: the lease is the caller's to release
            _queue.Remove(waiter.Node);
            GrantLocked();
        }
        waiter.Completion.TrySetCanceled(token);
    }

    private void Release(SlotLease lease)
    {
        lock (_gate)
        {
            _freeCpus += lease.Cpus;
            _freeGpus.AddRange(lease.GpuIds);
            _holders--;
            GrantLocked();
        }
    }

    private void GrantLocked()
    {
        // Only the head may start: arrival order is kept, so no request waits forever behind later, smaller ones.
        while (_queue.First is { } head)
        {
            var w = head.Value;
            if (_holders >= _maxHolders || w.Cpus > _freeCpus + 1e-9 || w.Gpus > _freeGpus.Count) return;
            _queue.RemoveFirst();
            var ids = _freeGpus.Take(w.Gpus).ToList();
            _freeGpus.RemoveRange(0, w.Gpus);
            _freeCpus -= w.Cpus;
            _holders++;
            w.Completion.TrySetResult(new SlotLease(this, w.Cpus, ids));
        }
    }

    private sealed class Waiter(double cpus, int gpus)
    {
        public double Cpus { get; } = cpus;
        public int Gpus { get; } = gpus;
        public LinkedListNode<Waiter>? Node { get; set; }
        public TaskCompletionSource<SlotLease> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    internal sealed class SlotLease(SlotPool pool, double cpus, IReadOnlyList<string> gpuIds) : IDisposable
    {
        private int _released;

        public double Cpus { get; } = cpus;
        public IReadOnlyList<string> GpuIds { get; } = gpuIds;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) pool.Release(this);
        }
    }
}
