"""A tiny character-level GPT for the verifier's end-to-end tests (a few seconds of CPU).

Knobs the tests rewrite: SLOW (seconds of sleep per step inside the timed region: the start record's
"inefficiency"), STEPS, REPORT (scale of the printed train_time), and code inserted at '# EXPORT'.
"""
import glob
import json
import os
import time

os.environ["OPENBLAS_NUM_THREADS"] = "1"
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(1)
SEED = int(os.environ.get("AGENTGYM_SEED", "1"))
torch.manual_seed(SEED)
OUT = os.environ.get("AGENTGYM_OUTPUT_DIR", "/outputs")
STEPS = 30
SLOW = 0.1
REPORT = 1.0
VAL_EVERY = 15

# --- protected: data loading ---
VAL_TOKENS = int(os.environ["AGENTGYM_VAL_TOKENS"])
T = 32


def load(pattern):
    parts = []
    for f in sorted(glob.glob(pattern)):
        h = np.fromfile(f, dtype=np.int32, count=256)
        assert h[0] == 20240520 and h[1] == 1
        parts.append(np.fromfile(f, dtype=np.uint16, count=int(h[2]), offset=1024))
    return torch.from_numpy(np.concatenate(parts).astype(np.int64))


train = load(os.environ["AGENTGYM_TRAIN_FILES"])
val = load(os.environ["AGENTGYM_VAL_FILES"])[:VAL_TOKENS]
with open(os.path.join(os.path.dirname(sorted(glob.glob(os.environ["AGENTGYM_VAL_FILES"]))[0]), "meta.json")) as f:
    V = int(json.load(f)["vocab_size"])


def evaluate(model):
    n = (len(val) - 1) // T
    pos = torch.arange(n)[:, None] * T + torch.arange(T)[None, :]
    with torch.no_grad():
        logits = model(val[pos])
        return F.cross_entropy(logits.reshape(-1, V), val[pos + 1].reshape(-1)).item()
# --- end protected ---


class Model(nn.Module):
    def __init__(self, d=48):
        super().__init__()
        self.tok = nn.Embedding(V, d)
        self.pos = nn.Embedding(T, d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        self.ln1, self.ln2, self.lnf = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.head = nn.Linear(d, V)

    def forward(self, idx):
        B, L = idx.shape
        x = self.tok(idx) + self.pos(torch.arange(L))
        q, k, v = self.qkv(self.ln1(x)).view(B, L, 3, 2, -1).permute(2, 0, 3, 1, 4).unbind(0)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, L, -1)
        x = x + self.proj(y)
        x = x + self.mlp(self.ln2(x))
        return self.head(self.lnf(x))


model = Model()
opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
train_time = 0.0
v_loss = float("nan")
t0 = time.perf_counter()
for step in range(1, STEPS + 1):
    ix = torch.randint(len(train) - T - 1, (16,))
    chunk = train[ix[:, None] + torch.arange(T + 1)[None, :]]
    loss = F.cross_entropy(model(chunk[:, :-1]).reshape(-1, V), chunk[:, 1:].reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    time.sleep(SLOW)
    elapsed = train_time + 1000 * (time.perf_counter() - t0)
    print(f"step:{step}/{STEPS} train_loss:{loss.item():.4f} train_time:{elapsed * REPORT:.0f}ms step_avg:{elapsed * REPORT / step:.2f}ms", flush=True)
    if step % VAL_EVERY == 0 or step == STEPS:
        train_time = elapsed
        v_loss = evaluate(model)
        print(f"step:{step}/{STEPS} val_loss:{v_loss:.4f} train_time:{train_time * REPORT:.0f}ms step_avg:{train_time * REPORT / step:.2f}ms", flush=True)
        t0 = time.perf_counter()

export_model = model.eval()
# EXPORT
with torch.no_grad():
    traced = torch.jit.trace(export_model, torch.randint(V, (2, T)))
traced.save(os.path.join(OUT, "model.pt"))
print("exported", flush=True)
