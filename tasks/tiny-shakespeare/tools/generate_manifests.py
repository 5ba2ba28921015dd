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
import json
import math
import os
import statistics

HERE = os.path.dirname(os.path.abspath(__file__))
FAMILY = os.path.dirname(HERE)

TARGET = 1.80
STOP_MARGIN = 0.02
QUICK_TARGETS = [round(2.60 - 0.05 * i, 2) for i in range(13)]  # 2.60 down to 2.00
QUICK_BUDGET_MARGIN = 1.5  # room for seeds and edits slower than the measured runs
QUICK_VAL_EVERY = 5
QUICK_MIN_STEPS = 50
QUICK_MIN_SPEEDUP = 1.2
VAL_TOKENS = 32768
QUICK_VAL_TOKENS = 8192

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


def steps_of(record):
    return [run["steps"] for run in record["runs"]]


def steps_to(curve, target):
    return next((step for step, loss, _ in curve if loss <= target), None)


def quick_steps(quick, record, target):
    """Steps record needs to reach target in each measured quick run, or None if a run did not get there."""
    steps = [steps_to(run["curve"], target) for run in quick[str(record)]["runs"]]
    return None if any(s is None for s in steps) else steps


def quick_target(k, quick, step_ms):
    for target in QUICK_TARGETS:
        base, rec = quick_steps(quick, k, target), quick_steps(quick, k + 1, target)
        if not (base and rec) or statistics.mean(base) < QUICK_MIN_STEPS:
            continue
        if statistics.mean(base) * step_ms[str(k)] >= QUICK_MIN_SPEEDUP * statistics.mean(rec) * step_ms[str(k + 1)]:
            budget = 50 * math.ceil(QUICK_BUDGET_MARGIN * max(base + rec) / 50)
            return target, budget, base, rec
    return None


def time_stats(steps, step_ms):
    """Time to target as steps x per-step cost. The runs were measured on a shared 2-core machine, where the
    scripts' own train_time swung by 2-3x with the other load; the number of steps does not, and the 10th
    percentile of a run's per-step time is close to its cost on an idle machine (measure_records.sh reports both).
    The std comes from the spread in steps; the raw timings stay in measurements.json."""
    return {
        "mean_ms": round(statistics.mean(steps) * step_ms),
        "std_ms": round((statistics.stdev(steps) if len(steps) > 1 else 0.0) * step_ms),
        "runs": len(steps),
    }


def manifest(k, full, quick, is_quick):
    step_ms = {r: full[r]["step_ms_p10_median"] for r in full}
    if is_quick:
        found = quick_target(k, quick, step_ms)
        if found is None:
            return None
        target, max_steps, base_steps, rec_steps = found
        baseline_time = time_stats(base_steps, step_ms[str(k)])
        record_time = time_stats(rec_steps, step_ms[str(k + 1)])
    else:
        target = TARGET
        baseline_time = time_stats(steps_of(full[str(k)]), step_ms[str(k)])
        record_time = time_stats(steps_of(full[str(k + 1)]), step_ms[str(k + 1)])
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
            f" Quick variant for tests: target {target} within {max_steps} steps, same code paths."
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
            "repeats": 1 if is_quick else 3,
            "p_value": 0.05,
            # Short quick runs on a shared 2-core machine: host and script clocks drift apart by more.
            "time_tolerance": 0.25 if is_quick else 0.1,
            "untimed_tolerance": 1.0 if is_quick else 0.25,
            "heldout_gap_tolerance": 0.1 if is_quick else 0.05,
            "eval_sequence_length": 64,
            "protected": [{
                "file": "train_gpt.py",
                "start_marker": "# --- protected: data loading ---",
                "end_marker": "# --- end protected ---",
            }],
        },
        # about 1 s a step: three times the idle cost, for a loaded CI host
        "time_limit_seconds": max(300, max_steps) if is_quick else 900,
        # The scripts stop as soon as val_loss <= AGENTGYM_TARGET_VAL_LOSS. Full tasks verify 3 repeats with a
        # one-sided t-test, which a mean sitting just under the target cannot pass: they stop STOP_MARGIN lower.
        "environment": (
            {"AGENTGYM_TARGET_VAL_LOSS": str(target), "AGENTGYM_MAX_STEPS": str(max_steps),
             "AGENTGYM_VAL_EVERY": str(QUICK_VAL_EVERY)}
            if is_quick else {"AGENTGYM_TARGET_VAL_LOSS": f"{TARGET - STOP_MARGIN:.2f}"}
        ),
        "tags": ["cpu", "quick"] if is_quick else ["cpu"],
    }


def main():
    full = load("measurements.json")
    quick = load("quick_measurements.json")
    for k in range(1, 6):
        for is_quick in (False, True):
            m = manifest(k, full, quick, is_quick)
            if m is None:
                print(f"tiny-shakespeare/record-{k}-quick: skipped, no quick target in {QUICK_TARGETS} where record "
                      f"{k + 1} is {QUICK_MIN_SPEEDUP}x faster than record {k} after at least {QUICK_MIN_STEPS} steps "
                      f"(measure longer curves: RECORDS=\"{k} {k + 1}\" QUICK_MAX_STEPS=400 tools/measure_quick.sh)")
                continue
            folder = os.path.join(FAMILY, m["id"].split("/")[1])
            if m["record_time"]["mean_ms"] >= m["baseline_time"]["mean_ms"]:
                # FSR is undefined when the next record was not measured faster: leave the task out.
                print(f"{m['id']}: skipped, record {k + 1} ({m['record_time']['mean_ms']} ms) was not measured "
                      f"faster than record {k} ({m['baseline_time']['mean_ms']} ms)")
                if os.path.exists(os.path.join(folder, "task.json")):
                    os.remove(os.path.join(folder, "task.json"))
                continue
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "task.json"), "w", encoding="utf-8") as f:
                json.dump(m, f, indent=2)
                f.write("\n")
            print(f"{m['id']}: target {m['target_val_loss']}, baseline {m['baseline_time']['mean_ms']} ms, "
                  f"record {m['record_time']['mean_ms']} ms")


if __name__ == "__main__":
    main()
