#!/usr/bin/env python3
"""Writes tasks/nanogpt-speedrun/record-R/task.json for the 19 tasks of the
Automated LLM Speedrunning Benchmark (arXiv 2506.22419): record R -> R+1 for
R = 1..20 without R = 6.

The manifests are committed; this script exists so that a change to the shared
settings is made once and re-generated, not edited 19 times by hand. Run it from
anywhere: `python3 tasks/nanogpt-speedrun/generate_manifests.py`. It only writes
task.json files; the starting scripts and hints come from `agentgym tasks
import-speedrunner` (they are under CC BY-NC 4.0 and are not shipped).
"""
import json
import os

# The benchmark's re-timed record times (results.json train_time, ms), records 1..21.
# Source: docs/DESIGN.md "Reference numbers". Index 0 is record 1.
RECORD_MS = [
    2968348, 2209926, 1386147, 1301740, 949528, 766259, 773072, 662205, 505531, 477150,
    442985, 317839, 289805, 273107, 241463, 232971, 220374, 211840, 199442, 188680, 184262,
]

# What record R's own script introduced (the modded-nanogpt record log). Only record R
# is named: what R+1 changed is the hint, and the description is shown in every hint
# regime, including "none".
RECORD_CHANGE = {
    1: "the llm.c GPT-2 (124M) baseline",
    2: "tuned learning rate and rotary embeddings",
    3: "the Muon optimizer",
    4: "Muon improvements",
    5: "padded embeddings, ReLU^2, zero-initialised projections and QK-norm",
    7: "the PyTorch 2.5.0 upgrade (same code as record 6, distributed Muon overhead)",
    8: "untied embedding and head",
    9: "value and embedding skip connections, momentum warmup and logit softcapping",
    10: "bfloat16 activations",
    11: "U-net pattern skip connections and a doubled learning rate",
    12: "FlexAttention with 64K-token context",
    13: "attention window warmup",
    14: "value embeddings",
    15: "U-net pattern value embeddings and assorted code optimisations",
    16: "split value embeddings, block sliding window attention",
    17: "sparsified value embeddings, improved rotary embeddings, a dropped attention layer",
    18: "logit softcap lowered from 30 to 15",
    19: "FP8 head, offset logits and learning-rate decay changes",
    20: "merged QKV weights and long-short attention",
}

TASK_RECORDS = [r for r in range(1, 21) if r != 6]


def manifest(r: int) -> dict:
    baseline, record = RECORD_MS[r - 1], RECORD_MS[r]
    assert record < baseline, f"record {r + 1} is not faster than record {r}"
    return {
        "id": f"nanogpt-speedrun/record-{r}",
        "title": f"NanoGPT speedrun: record {r} -> {r + 1}",
        "description": (
            f"Start from record {r} of the modded-nanogpt speedrun ({RECORD_CHANGE[r]}), a GPT-2 (124M) "
            f"training script for FineWeb on 8xH100, and make it reach a validation loss of at most 3.28 "
            f"in less training time. Record {r} took {baseline / 1000:.1f} s in the benchmark's re-timing; "
            f"the human record {r + 1} took {record / 1000:.1f} s. Keep the data loading (NANOGPT_TRAIN_FILES, "
            f"NANOGPT_VAL_FILES, NANOGPT_VAL_TOKENS) and the logged lines (step, val_loss, train_time) as they are: "
            f"the score is read from them."
        ),
        "starting_files": ["start/train_gpt2.py"],
        "entry_command": ["torchrun", "--standalone", "--nproc_per_node=8", "train_gpt2.py"],
        "sandbox": {"image": "agentgym-cuda"},
        # 8xH100 nodes have 100+ cores and 1+ TB of memory. torch.compile's inductor workers
        # and 8 ranks want far more than 16 cores; 64 fits any 8xH100 node (the benchmark
        # gave 8 x 12). pids: 8 ranks x (compile workers + dataloader threads) exceeds 512.
        "resources": {
            "cpus": 64,
            "memory_mb": 262144,
            "gpus": 8,
            "pids": 8192,
            "shm_mb": 16384,
            "disk_mb": 20480,
        },
        "data": {
            "dataset": "fineweb10B",
            "train_files": "fineweb_train_*.bin",
            "val_files": "fineweb_val_*.bin",
            "val_tokens": 10485760,
        },
        "target_val_loss": 3.28,
        # One re-timed figure per record (results.json holds no spread), so no std_ms/runs.
        "baseline_time": {"mean_ms": baseline},
        "record_time": {"mean_ms": record},
        "hints": {
            "L1": "hints/level_1_pseudo.txt",
            "L2": "hints/level_2_description.txt",
            "L3": "hints/level_3_paper.txt",
        },
        # log: the starting scripts export no TorchScript model. 3 pairs (start and submission
        # alternately on the same node): the speedrun's p < 0.01 one-sided t-test needs several
        # runs, and each pair costs two 8xH100 runs. These tasks ship no L0 diff, so FSR's other
        # end is the re-timed reference ratio record/baseline against the measured start.
        "verification": {
            "mode": "log",
            "pairs": 3,
            "p_value": 0.01,
        },
        # 3x the starting record's time (a slower first attempt must still finish) plus
        # 10 minutes for torch.compile warm-up and validation, which train_time excludes.
        "time_limit_seconds": (3 * baseline) // 1000 + 600,
        "tags": ["gpu", "import-required"],
    }


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    for r in TASK_RECORDS:
        folder = os.path.join(here, f"record-{r}")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "task.json"), "w", encoding="utf-8", newline="\n") as f:
            json.dump(manifest(r), f, indent=2, ensure_ascii=False)
            f.write("\n")
    print(f"wrote {len(TASK_RECORDS)} manifests under {here}")


if __name__ == "__main__":
    main()
