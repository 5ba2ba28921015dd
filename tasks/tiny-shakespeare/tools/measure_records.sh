#!/usr/bin/env bash
# Time every tiny-shakespeare record the way the sandbox runs it, several seeds each, and write
# tasks/tiny-shakespeare/records/measurements.json.
#
# Usage: measure_records.sh [record numbers...]        (default: every records/record_*)
# Environment:
#   RUNS=3                 runs per record (seeds SEED0, SEED0+1, ...), done round-robin
#   SEED0=1
#   APPEND=1               keep earlier runs in $WORK/runs.jsonl (default: start afresh)
#   DATA=/tmp/ts-data      output of prepare_data.py (uses DATA/visible)
#   VAL_TOKENS=32768       AGENTGYM_VAL_TOKENS
#   IMAGE=agentgym-cpu:latest
#   CPUS=2 MEMORY=4g       container limits
#   EXTRA_ENV="-e AGENTGYM_MAX_STEPS=40 -e AGENTGYM_TARGET_VAL_LOSS=2.6"   (quick smoke test)
#   OUT=<records>/measurements.json
#   SUMMARISE_ONLY=1       rebuild OUT from $WORK/runs.jsonl and the logs without running anything
# Per-run logs and results go to $WORK (default /tmp/ts-measure); a run's record is appended to
# $WORK/runs.jsonl as soon as it finishes and the summary is rewritten after every run, so an
# interrupted measurement keeps what it has.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RECORDS_DIR="$(cd "$HERE/../records" && pwd)"
RUNS="${RUNS:-3}"
SEED0="${SEED0:-1}"
DATA="${DATA:-/tmp/ts-data}"
VAL_TOKENS="${VAL_TOKENS:-32768}"
IMAGE="${IMAGE:-agentgym-cpu:latest}"
CPUS="${CPUS:-2}"
MEMORY="${MEMORY:-4g}"
WORK="${WORK:-/tmp/ts-measure}"
OUT="${OUT:-$RECORDS_DIR/measurements.json}"
EXTRA_ENV="${EXTRA_ENV:-}"

[ -f "$DATA/visible/meta.json" ] || { echo "no data at $DATA; run tools/prepare_data.py --out $DATA" >&2; exit 1; }

if [ $# -gt 0 ]; then
  records=("$@")
else
  records=()
  for d in "$RECORDS_DIR"/record_*; do records+=("${d##*_}"); done
  IFS=$'\n' records=($(sort -n <<<"${records[*]}")); unset IFS
fi

mkdir -p "$WORK"
summarise() {
  python3 - "$WORK/runs.jsonl" "$OUT" "$IMAGE" "$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || echo unknown)" "$VAL_TOKENS" "$CPUS" <<'PY'
import json, math, os, re, statistics, sys, datetime
runs_path, out, image, image_id, val_tokens, cpus = sys.argv[1:7]
runs = [json.loads(l) for l in open(runs_path) if l.strip()]
work = os.path.dirname(runs_path)


def step_stats(log):
    """Median and 10th percentile of the per-step time (ms) from the train_time of consecutive
    train_loss lines: a load-robust view of the cost of one step on a shared machine."""
    try:
        ts = [int(m.group(1)) for m in re.finditer(r"train_loss:\S+ train_time:(\d+)ms", open(log).read())]
    except OSError:
        return {}
    d = sorted(b - a for a, b in zip(ts, ts[1:]))
    if len(d) < 10:
        return {}
    return {"step_ms_median": statistics.median(d), "step_ms_p10": d[len(d) // 10]}


for r in runs:
    r.update(step_stats(os.path.join(work, f"record_{r['record']}_seed_{r['seed']}.log")))
by = {}
for r in runs:
    by.setdefault(str(r["record"]), []).append(r)
records = {}
prev_mean = None
for rec in sorted(by, key=int):
    rs = by[rec]
    ok = [r for r in rs if r.get("reached_target")]
    times = [r["train_time_ms"] for r in rs]
    entry = {
        "runs": rs,
        "n_runs": len(rs),
        "n_reached_target": len(ok),
        "steps": [r["steps"] for r in rs],
        "val_loss": [r["val_loss"] for r in rs],
        "train_time_ms": times,
        "train_time_ms_mean": statistics.mean(times) if times else None,
        "train_time_ms_std": statistics.stdev(times) if len(times) > 1 else 0.0,
        "steps_mean": statistics.mean(r["steps"] for r in rs) if rs else None,
        "val_loss_mean": statistics.mean(r["val_loss"] for r in rs) if rs else None,
        "wall_s_mean": statistics.mean(r["wall_s"] for r in rs) if rs else None,
    }
    p10 = [r["step_ms_p10"] for r in rs if "step_ms_p10" in r]
    if p10:
        entry["step_ms_p10_median"] = statistics.median(p10)
        entry["estimated_unloaded_train_time_ms"] = entry["steps_mean"] * statistics.median(p10)
    records[rec] = entry
for rec in records:
    p = str(int(rec) - 1)
    if p in records and records[p]["train_time_ms_mean"]:
        records[rec]["speedup_vs_previous"] = records[p]["train_time_ms_mean"] / records[rec]["train_time_ms_mean"]
doc = {
    "task_family": "tiny-shakespeare",
    "generated_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "image": image, "image_id": image_id, "val_tokens": int(val_tokens), "cpus": cpus,
    "note": ("train_time_ms is the script's own timer (validation excluded); wall_s is the container's "
             "wall time; step_ms_p10 is the 10th percentile of the per-step time in a run's log, and "
             "estimated_unloaded_train_time_ms = steps_mean * median(step_ms_p10): an estimate of the "
             "time on an idle machine, for runs measured while the machine was shared"),
    "records": records,
}
with open(out, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
for rec, e in records.items():
    sp = e.get("speedup_vs_previous")
    est = e.get("estimated_unloaded_train_time_ms")
    print(f"record {rec}: runs={e['n_runs']} reached={e['n_reached_target']} steps={e['steps']} "
          f"time={e['train_time_ms_mean']:.0f}+-{e['train_time_ms_std']:.0f}ms"
          + (f" speedup={sp:.2f}x" if sp else "")
          + (f" p10_step={e['step_ms_p10_median']}ms est_unloaded={est:.0f}ms" if est else ""))
PY
}

if [ "${SUMMARISE_ONLY:-0}" = "1" ]; then
  summarise
  echo "[measure] wrote $OUT"
  exit 0
fi
[ "${APPEND:-0}" = "1" ] || rm -f "$WORK/runs.jsonl"
touch "$WORK/runs.jsonl"

# Round-robin: one run of every record per seed, so that an interrupted measurement still covers
# every record (and background load hits all records alike).
for i in $(seq 0 $((RUNS - 1))); do
  seed=$((SEED0 + i))
  for rec in "${records[@]}"; do
    dir="$RECORDS_DIR/record_$rec"
    [ -f "$dir/train_gpt.py" ] || { echo "missing $dir/train_gpt.py" >&2; exit 1; }
    name="record_${rec}_seed_${seed}"
    outdir="$WORK/$name"
    rm -rf "$outdir"; mkdir -p "$outdir"; chmod 777 "$outdir"
    echo "[measure] $(date +%H:%M:%S) $name"
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086
    docker run --rm --network none --cpus "$CPUS" --memory "$MEMORY" --user 65534:65534 \
      -v "$dir":/workspace:ro -w /workspace -v "$DATA/visible":/data:ro -v "$outdir":/outputs \
      -e AGENTGYM_TRAIN_FILES='/data/train_*.bin' -e AGENTGYM_VAL_FILES='/data/val_*.bin' \
      -e AGENTGYM_VAL_TOKENS="$VAL_TOKENS" -e AGENTGYM_OUTPUT_DIR=/outputs -e AGENTGYM_SEED="$seed" \
      $EXTRA_ENV "$IMAGE" python3 train_gpt.py > "$WORK/$name.log" 2>&1 || { echo "run failed, see $WORK/$name.log" >&2; tail -5 "$WORK/$name.log" >&2; exit 1; }
    t1=$(date +%s.%N)
    python3 - "$outdir/results.json" "$rec" "$seed" "$t0" "$t1" "$WORK/$name.log" >> "$WORK/runs.jsonl" <<'PY'
import json, sys
res, rec, seed, t0, t1, log = sys.argv[1:7]
m = json.load(open(res))["metrics"]
print(json.dumps({"record": int(rec), "seed": int(seed), "steps": m["n_steps"], "val_loss": round(m["val_loss"], 4),
                  "train_time_ms": round(m["train_time"]), "reached_target": m["reached_target"],
                  "wall_s": round(float(t1) - float(t0), 1)}))
PY
    tail -n 1 "$WORK/runs.jsonl"
    summarise > /dev/null
  done
done
summarise
echo "[measure] wrote $OUT"
