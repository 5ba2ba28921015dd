"""tiny-shakespeare speedrun, record 1 (baseline).

A plain character-level GPT trained on CPU: learned positional embeddings, LayerNorm, GELU MLP,
causal self-attention, tied input/output embeddings, AdamW at a constant learning rate.
Training runs the fixed number of steps the record sets for the target (no early stop).
"""
import contextlib
import glob
import json
import math
import os
import time

# Threading, set before numpy or torch is imported:
# - one BLAS thread: torch parallelises with its own thread pool (set below); letting OpenBLAS
#   start a second pool of spinning threads on the same cores makes every step about 3x slower;
# - passive OpenMP waiting: idle torch threads sleep instead of spinning, which keeps step times
#   sane when the machine is shared (measured 3.5x faster per step under heavy background load).
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_WAIT_POLICY"] = "PASSIVE"

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

# -----------------------------------------------------------------------------
# Hyperparameters


class Hyperparameters:
    # data and run set-up (from the environment; defaults are the real task's values)
    train_files = os.environ.get("AGENTGYM_TRAIN_FILES", "/data/train_*.bin")
    val_files = os.environ.get("AGENTGYM_VAL_FILES", "/data/val_*.bin")
    val_tokens = int(os.environ.get("AGENTGYM_VAL_TOKENS", "32768"))
    output_dir = os.environ.get("AGENTGYM_OUTPUT_DIR", "/outputs")
    seed = int(os.environ.get("AGENTGYM_SEED", "1"))
    target_val_loss = float(os.environ.get("AGENTGYM_TARGET_VAL_LOSS", "1.80"))
    # The record fixes its number of steps for each target it is run at (the speedrun's rule): it trains
    # exactly this many steps and never stops early on a lucky val reading. 1.80 is the full task; the
    # quick variants use a looser target.
    steps_for_target = {1.80: 1400, 2.35: 220}
    # AGENTGYM_MAX_STEPS overrides it for measurements and tests only; no task sets it.
    max_steps = int(os.environ.get("AGENTGYM_MAX_STEPS", "0")) or steps_for_target.get(target_val_loss, 0)
    assert max_steps > 0, f"this record fixes no step count for target {target_val_loss}"
    val_every = int(os.environ.get("AGENTGYM_VAL_EVERY", "25"))  # evaluate every N steps and at the last
    device = os.environ.get("AGENTGYM_DEVICE", "auto")  # auto (a GPU if one is visible), cpu, cuda or cuda:N
    compile = os.environ.get("AGENTGYM_COMPILE", "0") == "1"  # torch.compile the training forward
    # model
    n_layer = 4
    n_head = 4
    n_embd = int(os.environ.get("AGENTGYM_N_EMBD", "128"))
    block_size = 64  # context length
    # optimisation
    batch_size = int(os.environ.get("AGENTGYM_BATCH_SIZE", "32"))
    learning_rate = 1e-3
    weight_decay = 0.1
    betas = (0.9, 0.95)
    grad_clip = 1.0


args = Hyperparameters()


def _cgroup_cpu_quota():
    """CPU quota of this container in whole CPUs (cgroup v2 cpu.max, else v1 cfs), or None."""
    try:
        with open("/sys/fs/cgroup/cpu.max") as f:
            quota, period = f.read().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    for d in ("/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"):
        try:
            with open(f"{d}/cpu.cfs_quota_us") as f:
                quota = int(f.read())
            with open(f"{d}/cpu.cfs_period_us") as f:
                period = int(f.read())
            return None if quota <= 0 else quota / period
        except (OSError, ValueError):
            pass
    return None


def available_cpus():
    """CPUs this process may really use: the cgroup quota if set, else the affinity mask.
    (torch's default counts the host's cores; more threads than the quota makes its threads
    spin against the CPU throttle, and every step becomes many times slower.)"""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    quota = _cgroup_cpu_quota()
    if quota is not None:
        n = min(n, max(1, int(quota)))
    return n


torch.set_num_threads(available_cpus())
torch.manual_seed(args.seed)
np.random.seed(args.seed)

# -----------------------------------------------------------------------------
# Device. On the CPU everything below is a no-op and the run is exactly the CPU record.


def select_device(requested):
    """torch.device from AGENTGYM_DEVICE: "auto" is the first visible GPU if any (CUDA_VISIBLE_DEVICES applies),
    else the CPU; "cpu", "cuda" and "cuda:N" are taken as they are."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    chosen = torch.device(requested)
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit(f"AGENTGYM_DEVICE={requested} but torch sees no CUDA device")
    return chosen


device = select_device(args.device)
on_cuda = device.type == "cuda"
use_bf16 = on_cuda and torch.cuda.is_bf16_supported()
if on_cuda:
    # TF32 tensor cores for the fp32 matmuls left outside autocast (evaluation, the optimizers' own maths).
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True


def autocast_ctx():
    """bf16 autocast for the training forward where the GPU supports it; plain fp32 elsewhere."""
    return torch.autocast("cuda", dtype=torch.bfloat16) if use_bf16 else contextlib.nullcontext()


def sync():
    """Waits for the GPU's queued work, so that a clock read after it counts that work (CUDA runs asynchronously)."""
    if on_cuda:
        torch.cuda.synchronize(device)

# --- protected: data loading ---
# Shards in the speedrun format: 256 int32 header (magic 20240520, version 1, token count),
# then the tokens as uint16. The vocabulary size comes from meta.json next to the val shards.
# Validation: the first `val_tokens` tokens of the val split, cut into non-overlapping windows
# of VAL_SEQ_LEN tokens (inputs x = tokens[i*L : i*L+L], targets y = tokens[i*L+1 : i*L+L+1]);
# val_loss is the mean cross-entropy over every predicted token.
VAL_SEQ_LEN = 64
VAL_BATCH_SIZE = 128


def _load_data_shard(path):
    header = np.fromfile(path, dtype=np.int32, count=256)
    assert header[0] == 20240520, f"magic number mismatch in {path}"
    assert header[1] == 1, f"unsupported version in {path}"
    ntok = int(header[2])
    tokens = np.fromfile(path, dtype=np.uint16, count=ntok, offset=256 * 4)
    assert len(tokens) == ntok, f"{path}: expected {ntok} tokens, read {len(tokens)}"
    return tokens


def _load_tokens(pattern):
    files = sorted(glob.glob(pattern))
    assert files, f"no files match {pattern}"
    return np.concatenate([_load_data_shard(f) for f in files])


_val_files = sorted(glob.glob(args.val_files))
assert _val_files, f"no files match {args.val_files}"
with open(os.path.join(os.path.dirname(_val_files[0]), "meta.json")) as f:
    vocab_size = int(json.load(f)["vocab_size"])
train_data = torch.from_numpy(_load_tokens(args.train_files).astype(np.int64))
val_data = torch.from_numpy(_load_tokens(args.val_files)[: args.val_tokens].astype(np.int64))
_batch_gen = torch.Generator().manual_seed(args.seed)


def get_batch(batch_size, seq_len):
    """A random training batch: inputs [B, T] and next-token targets [B, T]."""
    ix = torch.randint(len(train_data) - seq_len - 1, (batch_size,), generator=_batch_gen)
    offsets = torch.arange(seq_len + 1)
    chunk = train_data[ix[:, None] + offsets[None, :]]
    return chunk[:, :-1], chunk[:, 1:]


@torch.no_grad()
def evaluate(model):
    """Mean validation cross-entropy of model(x) -> logits [B, T, V] on the fixed val windows."""
    was_training = model.training
    model.eval()
    n_windows = (len(val_data) - 1) // VAL_SEQ_LEN
    assert n_windows > 0, "not enough validation tokens"
    total_loss, total_count = 0.0, 0
    for start in range(0, n_windows, VAL_BATCH_SIZE):
        idx = torch.arange(start, min(start + VAL_BATCH_SIZE, n_windows))
        pos = idx[:, None] * VAL_SEQ_LEN + torch.arange(VAL_SEQ_LEN)[None, :]
        x, y = val_data[pos], val_data[pos + 1]
        logits = model(x).float()
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1), reduction="sum")
        total_loss += loss.item()
        total_count += y.numel()
    model.train(was_training)
    return total_loss / total_count
# --- end protected ---

# The token tensors live on the training device (no copy on the CPU); batch indices still come from the CPU
# generator above, so every device trains on the same batches.
train_data, val_data = train_data.to(device), val_data.to(device)

# -----------------------------------------------------------------------------
# Model


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.n_head = n_head
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, n_embd):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.c_proj = nn.Linear(4 * n_embd, n_embd)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = MLP(n_embd)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


class GPT(nn.Module):
    def __init__(self, vocab_size, block_size, n_layer, n_head, n_embd):
        super().__init__()
        self.block_size = block_size
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.blocks = nn.ModuleList([Block(n_embd, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight  # weight tying
        self.apply(self._init_weights)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))

    @staticmethod
    def _init_weights(module):
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx):
        """idx: int64 tokens [B, T] with T <= block_size -> logits [B, T, vocab_size]."""
        T = idx.size(1)
        pos = torch.arange(T, device=idx.device)
        x = self.wte(idx) + self.wpe(pos)
        for block in self.blocks:
            x = block(x)
        return self.lm_head(self.ln_f(x))


model = GPT(vocab_size, args.block_size, args.n_layer, args.n_head, args.n_embd).to(device)
n_params = sum(p.numel() for p in model.parameters())
print(f"model parameters: {n_params} vocab_size: {vocab_size} threads: {torch.get_num_threads()}", flush=True)
print(f"device: {device} bf16_autocast: {str(use_bf16).lower()} compile: {str(args.compile).lower()} "
      f"n_embd: {args.n_embd} batch_size: {args.batch_size}", flush=True)
# torch.compile wraps the training forward only; evaluation and the export use the eager model (same parameters).
train_model = torch.compile(model) if args.compile else model

# -----------------------------------------------------------------------------
# Optimiser: AdamW, weight decay on 2-D weights only, constant learning rate

decay = [p for p in model.parameters() if p.dim() >= 2]
no_decay = [p for p in model.parameters() if p.dim() < 2]
optimizer = torch.optim.AdamW(
    [{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
    lr=args.learning_rate, betas=args.betas,
)

# -----------------------------------------------------------------------------
# Training loop. train_time counts training steps only: the clock pauses during validation.

train_time_ms = 0.0
val_loss = float("nan")
step = 0
model.train()
sync()
t0 = time.perf_counter()
for step in range(1, args.max_steps + 1):
    x, y = get_batch(args.batch_size, args.block_size)
    with autocast_ctx():
        logits = train_model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.reshape(-1))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if args.grad_clip > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
    optimizer.step()
    sync()
    elapsed_ms = train_time_ms + 1000 * (time.perf_counter() - t0)
    print(f"step:{step}/{args.max_steps} train_loss:{loss.item():.4f} "
          f"train_time:{elapsed_ms:.0f}ms step_avg:{elapsed_ms / step:.2f}ms", flush=True)
    if step % args.val_every == 0 or step == args.max_steps:
        train_time_ms = elapsed_ms  # stop the clock
        val_loss = evaluate(model)
        print(f"step:{step}/{args.max_steps} val_loss:{val_loss:.4f} "
              f"train_time:{train_time_ms:.0f}ms step_avg:{train_time_ms / step:.2f}ms", flush=True)
        sync()
        t0 = time.perf_counter()  # restart the clock

reached = val_loss <= args.target_val_loss
print(f"finished: steps:{step} val_loss:{val_loss:.4f} train_time:{train_time_ms:.0f}ms "
      f"target:{args.target_val_loss} reached:{str(reached).lower()}", flush=True)

# -----------------------------------------------------------------------------
# Results and TorchScript export: forward(int64 tokens [B, T]) -> float logits [B, T, V], T <= block_size

os.makedirs(args.output_dir, exist_ok=True)
with open(os.path.join(args.output_dir, "results.json"), "w") as f:
    json.dump({"metrics": {"n_steps": step, "val_loss": val_loss, "train_time": train_time_ms,
                           "target_val_loss": args.target_val_loss, "reached_target": reached}}, f)
model = model.to("cpu")  # the export is a CPU model whatever device trained it
model.eval()
with torch.no_grad():
    example = torch.randint(vocab_size, (2, args.block_size), generator=torch.Generator().manual_seed(0))
    traced = torch.jit.trace(model, example)
    for T in (args.block_size, 1, args.block_size // 2 + 3):  # the export must handle any T <= block_size
        xt = example[:, :T]
        assert torch.allclose(traced(xt), model(xt), atol=1e-4), f"traced model differs at T={T}"
traced.save(os.path.join(args.output_dir, "model.pt"))
print(f"exported TorchScript model to {os.path.join(args.output_dir, 'model.pt')}", flush=True)
