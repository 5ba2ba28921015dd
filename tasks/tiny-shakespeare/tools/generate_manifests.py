#!/usr/bin/env python3
"""Writes tasks/tiny-shakespeare/record-K/task.json and record-K-quick/task.json (K = 1..5) from the
measured record times in records/measurements.json and the validation curves in records/quick_measurements.json.

Task K starts from record K and the next known record is K+1: baseline_time = record K's measured
train time, record_time = record K+1's. The quick variants run the same scripts with a looser target,
a small step budget and frequent validation (AGENTGYM_TARGET_VAL_LOSS / AGENTGYM_MAX_STEPS / AGENTGYM_VAL_EVERY)
so that tests and CI exercise the real code paths in about a minute per run. Early in training the records do
not rank as they do at 1.80 (records 1 and 2 follow the same curve down to about 2.45), so each quick task gets
its own target: the loosest on a 0.05 grid at which every measured seed of both records gets there, record K
needs at least QUICK_MIN_STEPS steps on average and record K+1 is at least QUICK_MIN_SPEEDUP faster. Runs of a
few seconds on a shared host are noisy, so a quick task needs a clear gap between its two times. Its step
budget is QUICK_BUDGET_MARGIN times the slowest measured seed, rounded up to 50.

Usage: python3 tools/generate_manifests.py
"""
import ast
import collections
import json
import math
import os
import statistics

HERE = os.path.dirname(os.path.abspath(__file__))
FAMILY = os.path.dirname(HERE)

TARGET = 1.80
# One quick target for every task where it separates the two records clearly; record 3 -> 4 needs a lower one,
# since Muon's dearer steps only pay off below about 2.1. Every target sits below the counted-bigram loss minus
# TRIVIAL_MARGIN on both the val and held-out splits (the task loader refuses one that does not).
QUICK_TARGETS = {1: 2.35, 2: 2.35, 3: 2.10, 4: 2.35, 5: 2.35}
QUICK_VAL_EVERY = 10
VAL_TOKENS = 32768
QUICK_VAL_TOKENS = 8192
TRIVIAL_MARGIN = 0.05
BIGRAM_SMOOTHING = 0.1
# Paired timing (verification.pairs): every verification times the starting record, the submission and the next
# record alternately on the same host. Quick tasks keep verification under about 3 minutes on 2 cores.
QUICK_PAIRS = 2
FULL_PAIRS = 3
SOURCE_BUDGET_BYTES = 32768
# A quick task also times the next record in every pair when the pair's three runs fit in this much training
# (reference figures); otherwise FSR uses the reference ratio record_time / baseline_time against the measured start.
QUICK_PAIR_BUDGET_MS = 60000

CHANGES = {
    2: "a tuned learning-rate schedule (higher peak, warmup, cosine decay)",
    3: "rotary position embeddings",
    4: "the Muon optimizer for hidden matrices",
    5: "ReLU^2, QK-norm and zero-initialised output projections",
    6: "a shallower, cheaper model with a retuned schedule",
}


def load(name):
    with open(os.path.join(FAMILY, "records", name), encoding="utf-8") as f:
        return json.load(f)["records"]


def record_steps(record, target):
    """The steps record fixes for target: the steps_for_target table in its script."""
    path = os.path.join(FAMILY, "records", f"record_{record}", "train_gpt.py")
    with open(path, encoding="utf-8") as f:
        line = next(l for l in f if l.strip().startswith("steps_for_target = "))
    table = ast.literal_eval(line.split("=", 1)[1].strip())
    return table[target]


def trivial_losses(input_path, val_tokens):
    """Counted unigram and bigram (add-BIGRAM_SMOOTHING) cross-entropy on the first val_tokens of the val and
    held-out splits, in the verifier's windows (64 tokens, every position predicted): what a model reaches with
    no training beyond counting. The same splits as prepare_data.py."""
    with open(input_path, encoding="utf-8") as f:
        text = f.read()
    vocab = sorted(set(text))
    index = {c: i for i, c in enumerate(vocab)}
    tokens = [index[c] for c in text]
    n, v = len(tokens), len(vocab)
    val_n = n * 5 // 100
    train = tokens[: n - 2 * val_n]
    splits = {"val": tokens[n - 2 * val_n: n - val_n], "heldout": tokens[n - val_n:]}
    uni = collections.Counter(train)
    big = collections.Counter(zip(train, train[1:]))
    prev = collections.Counter(train[:-1])
    out = {"unigram": {}, "bigram": {}}
    for name, split in splits.items():
        windows = (min(len(split), val_tokens) - 1) // 64
        targets = [(split[w * 64 + j], split[w * 64 + j + 1]) for w in range(windows) for j in range(64)]
        out["unigram"][name] = round(-statistics.mean(math.log((uni[b] + BIGRAM_SMOOTHING) / (len(train) + BIGRAM_SMOOTHING * v)) for _, b in targets), 4)
        out["bigram"][name] = round(-statistics.mean(math.log((big[(a, b)] + BIGRAM_SMOOTHING) / (prev[a] + BIGRAM_SMOOTHING * v)) for a, b in targets), 4)
    return out


def steps_to(curve, target):
    return next((step for step, loss, _ in curve if loss <= target), None)


def check_quick_steps(quick, record, target, steps):
    """The steps a record fixes for a quick target must reach it in every measured quick run."""
    needed = [steps_to(run["curve"], target) for run in quick[str(record)]["runs"]]
    if any(s is None or s > steps for s in needed):
        raise SystemExit(f"record {record} fixes {steps} steps for {target}, but measured runs need {needed}")


def reference_time(steps, step_ms, runs):
    """A reference figure, not the reward's scale: fixed steps x the per-step cost of the full measurements (the
    10th percentile of a run's per-step time, close to its cost on an idle machine; measure_records.sh reports it).
    Verification times the records again on its own host, so these only describe the task."""
    return {"mean_ms": round(steps * step_ms), "std_ms": 0, "runs": runs}


def manifest(k, full, quick, is_quick, losses):
    step_ms = {r: full[r]["step_ms_p10_median"] for r in full}
    target = QUICK_TARGETS[k] if is_quick else TARGET
    base_steps, rec_steps = record_steps(k, target), record_steps(k + 1, target)
    if is_quick:
        check_quick_steps(quick, k, target, base_steps)
        check_quick_steps(quick, k + 1, target, rec_steps)
    baseline_time = reference_time(base_steps, step_ms[str(k)], len(full[str(k)]["runs"]))
    record_time = reference_time(rec_steps, step_ms[str(k + 1)], len(full[str(k + 1)]["runs"]))
    bigram = min(losses["bigram"].values())
    if target > bigram - TRIVIAL_MARGIN:
        raise SystemExit(f"record-{k}: target {target} is above the counted-bigram loss {bigram} minus {TRIVIAL_MARGIN}")
    name = f"record-{k}-quick" if is_quick else f"record-{k}"
    hints = f"../hints/record_{k}"
    description = (
        f"Character-level GPT on tiny-shakespeare, trained on 2 CPU cores. The script is speedrun record {k} of "
        f"this family; reach the target validation loss in less training time (train_time, validation excluded). "
        f"Keep the region between '# --- protected: data loading ---' and '# --- end protected ---' unchanged, "
        f"print the speedrun log lines, and export the final model as TorchScript to $AGENTGYM_OUTPUT_DIR/model.pt."
    )
    if is_quick:
        description += (
            f" Quick variant for tests and fast iteration: target {target} (record {k} trains {base_steps} steps for it), same code paths."
        )
    return {
        "id": f"tiny-shakespeare/{name}",
        "title": f"tiny-shakespeare: beat record {k}" + (" (quick)" if is_quick else ""),
        "description": description,
        "starting_files": [f"../records/record_{k}/train_gpt.py"],
        "entry_command": ["python3", "train_gpt.py"],
        "sandbox": {"image": "agentgym-cpu"},
        "resources": {"cpus": 2, "memory_mb": 4096, "gpus": 0, "pids": 512, "shm_mb": 256, "disk_mb": 512},
        "data": {
            "dataset": "tiny-shakespeare",
            "train_files": "train_*.bin",
            "val_files": "val_*.bin",
            "heldout_files": "heldout_*.bin",
            "val_tokens": QUICK_VAL_TOKENS if is_quick else VAL_TOKENS,
            "reference_losses": {"unigram": min(losses["unigram"].values()), "bigram": bigram},
        },
        "target_val_loss": target,
        "baseline_time": baseline_time,
        "record_time": record_time,
        "hints": {
            "L0": f"{hints}/level_0.diff",
            "L1": f"{hints}/level_1_pseudo.txt",
            "L2": f"{hints}/level_2_description.txt",
            "L3": f"{hints}/level_3_paper.txt",
        },
        "verification": {
            "mode": "independent",
            "pairs": QUICK_PAIRS if is_quick else FULL_PAIRS,
            **({"next_record": {"starting_files": [f"../records/record_{k + 1}/train_gpt.py"]}}
               if not is_quick or baseline_time["mean_ms"] + 2 * record_time["mean_ms"] <= QUICK_PAIR_BUDGET_MS else {}),
            "p_value": 0.05 if is_quick else 0.01,
            # Short quick runs on a shared 2-core machine: host and script clocks drift apart by more.
            "time_tolerance": 0.15 if is_quick else 0.1,
            "reported_loss_tolerance": 0.01,
            "source_budget_bytes": SOURCE_BUDGET_BYTES,
            "eval_sequence_length": 64,
            "protected": [{
                "file": "train_gpt.py",
                "start_marker": "# --- protected: data loading ---",
                "end_marker": "# --- end protected ---",
            }],
        },
        # about 1 s a step: several times the idle cost, for a loaded CI host
        "time_limit_seconds": max(300, 2 * base_steps) if is_quick else 900,
        "environment": (
            {"AGENTGYM_TARGET_VAL_LOSS": f"{target:.2f}", "AGENTGYM_VAL_EVERY": str(QUICK_VAL_EVERY)}
            if is_quick else {"AGENTGYM_TARGET_VAL_LOSS": f"{TARGET:.2f}"}
        ),
        "tags": ["cpu", "quick"] if is_quick else ["cpu"],
    }


def main():
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--input", default=os.path.join(FAMILY, "..", "..", "data", "tinyshakespeare", "input.txt"))
    args = ap.parse_args()
    full = load("measurements.json")
    quick = load("quick_measurements.json")
    losses = {n: trivial_losses(args.input, n) for n in (QUICK_VAL_TOKENS, VAL_TOKENS)}
    for k in range(1, 6):
        for is_quick in (False, True):
            m = manifest(k, full, quick, is_quick, losses[QUICK_VAL_TOKENS if is_quick else VAL_TOKENS])
            folder = os.path.join(FAMILY, m["id"].split("/")[1])
            if m["record_time"]["mean_ms"] >= m["baseline_time"]["mean_ms"]:
                raise SystemExit(f"{m['id']}: record {k + 1} is not faster than record {k} in the reference figures")
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "task.json"), "w", encoding="utf-8") as f:
                json.dump(m, f, indent=2)
                f.write("\n")
            print(f"{m['id']}: target {m['target_val_loss']}, baseline {m['baseline_time']['mean_ms']} ms, "
                  f"record {m['record_time']['mean_ms']} ms, bigram {m['data']['reference_losses']['bigram']}")


if __name__ == "__main__":
    main()
