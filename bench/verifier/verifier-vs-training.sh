#!/usr/bin/env bash
# Verifier cost against training cost, side by side, for the tiny-shakespeare task.
#
#   bench/verifier/verifier-vs-training.sh [--script train_gpt.py] [--data DIR] [--steps N] [--val-tokens N] [--seq-len L]
#
# Trains the script in the CPU sandbox image the way the sandbox runs it (no network, 2 CPUs, unprivileged), then
# runs the verifier image on the exported model.pt with the visible val split and the held-out split, and prints
# both wall times and the ratio. Defaults: record 1 of tasks/tiny-shakespeare, data from
# tasks/tiny-shakespeare/tools/prepare_data.py in /tmp/verify-data, the script's own step budget.
set -euo pipefail
cd "$(dirname "$0")/../.."
script=tasks/tiny-shakespeare/records/record_1/train_gpt.py
data=/tmp/verify-data
steps=""
val_tokens=32768
seq_len=64
while [ $# -gt 0 ]; do
  case "$1" in
    --script) script=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --val-tokens) val_tokens=$2; shift 2 ;;
    --seq-len) seq_len=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -f "$script" ] || { echo "no training script at $script (pass --script)" >&2; exit 2; }
[ -f "$data/visible/val_000.bin" ] || { echo "no data in $data (run tasks/tiny-shakespeare/tools/prepare_data.py --out $data)" >&2; exit 2; }
bash scripts/build-verifier.sh >/dev/null
image=$(cat .agentgym/verifier-image)

work=$(mktemp -d /tmp/agentgym-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/ws" "$work/out"
cp "$script" "$work/ws/train_gpt.py"
chmod -R 777 "$work"
env_steps=()
[ -n "$steps" ] && env_steps=(-e "AGENTGYM_MAX_STEPS=$steps")

now() { date +%s.%N; }
t0=$(now)
docker run --rm --network none --cpus 2 --memory 4g --user 65534:65534 --cap-drop ALL \
  -v "$work/ws:/workspace" -v "$work/out:/outputs" -v "$data/visible:/data:ro" -w /workspace \
  -e AGENTGYM_TRAIN_FILES='/data/train_*.bin' -e AGENTGYM_VAL_FILES='/data/val_*.bin' \
  -e AGENTGYM_VAL_TOKENS="$val_tokens" -e AGENTGYM_OUTPUT_DIR=/outputs -e AGENTGYM_SEED=1 "${env_steps[@]}" \
  agentgym-cpu:latest python3 train_gpt.py > "$work/train.log" 2>&1
t1=$(now)
[ -f "$work/out/model.pt" ] || { tail -20 "$work/train.log"; echo "training exported no model" >&2; exit 1; }
docker run --rm --network none --cpus 2 --memory 4g --user 65534:65534 --cap-drop ALL --read-only --tmpfs /tmp \
  -v "$work/out:/workspace:ro" -v "$data:/data:ro" "$image" /opt/agentgym-verifier/AgentGym.Verifier \
  --model /workspace/model.pt --data /data --val-tokens "$val_tokens" --seq-len "$seq_len" > "$work/verdict.json"
t2=$(now)

python3 - "$work/train.log" "$work/verdict.json" "$t0" "$t1" "$t2" "$image" <<'PY'
import json, re, sys
log, verdict, t0, t1, t2, image = sys.argv[1], sys.argv[2], *map(float, sys.argv[3:6]), sys.argv[6]
lines = open(log).read().splitlines()
timed = [l for l in lines if l.startswith("step:") and "train_time:" in l]
last = timed[-1] if timed else ""
train_ms = float(re.search(r"train_time:(\d+)ms", last).group(1)) if last else float("nan")
step = re.search(r"step:(\d+)", last).group(1) if last else "?"
val = [l for l in lines if l.startswith("step:") and "val_loss:" in l]
v = json.loads(open(verdict).read().strip().splitlines()[-1])
train_wall, ver_wall = t1 - t0, t2 - t1
print(f"{'':28}{'training':>14}{'verifier':>14}")
print(f"{'container wall time (s)':28}{train_wall:14.1f}{ver_wall:14.1f}")
print(f"{'timed / in-process (s)':28}{train_ms / 1000:14.1f}{v['timings']['total_ms'] / 1000:14.1f}")
print(f"{'val loss':28}{(val[-1].split('val_loss:')[1].split()[0] if val else '?'):>14}{v['val_loss']:14.4f}")
print(f"{'held-out loss (gap)':28}{'':>14}{v['heldout_loss']:14.4f}  ({v['heldout_loss'] - v['val_loss']:+.4f})")
print(f"steps trained: {step}; verifier: {v['val_tokens_evaluated']} val + {v['heldout_tokens_evaluated']} held-out tokens, "
      f"causality ok={v['causality']['ok']} (max deviation {v['causality']['max_deviation']:.2g}); image {image}")
print(f"verifier timings (ms): {json.dumps(v['timings'])}")
print(f"verifier / training wall time: {100 * ver_wall / train_wall:.1f}%")
PY
