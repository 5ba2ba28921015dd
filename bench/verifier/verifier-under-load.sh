#!/usr/bin/env bash
# The model verifier on a busy machine: its OpenMP wait policy side by side, idle and with a one-core busy loop.
#
#   bench/verifier/verifier-under-load.sh [ROUNDS]      (default: 2)
#
# Trains the quick task's record 5 once in the CPU image to get a real exported model, then runs the verifier image on
# it (load, val and held-out scoring, the causality probe) with OMP_WAIT_POLICY=ACTIVE (libtorch's spinning default,
# the baseline) and PASSIVE (the image's setting), idle and beside `while :; do :; done`. Prints each run's verifier
# total and, per condition, PASSIVE's time over ACTIVE's. Needs Docker, both images and prepared data
# (scripts/demo.sh sets them up).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-2}
root=$(pwd)
home=${AGENTGYM_HOME:-.agentgym}
case "$home" in /*) ;; *) home="$root/$home" ;; esac
data="${AGENTGYM_DATA:-$home/data}/tiny-shakespeare"
[ -f "$data/visible/meta.json" ] || { echo "prepare the data first: agentgym data prepare tiny-shakespeare" >&2; exit 1; }
image=$(cat "$root/.agentgym/verifier-image" 2>/dev/null || echo agentgym-verifier:latest)
work=$(mktemp -d)
busy=
trap '[ -n "$busy" ] && kill "$busy" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/ws" "$work/out"
cp tasks/tiny-shakespeare/records/record_5/train_gpt.py "$work/ws/"
chmod -R a+rwX "$work"
# Both containers as the sandbox starts them (as in verifier-vs-training.sh): unprivileged, no capabilities.
docker run --rm --cpus 2 --memory 4g --network none --user 65534:65534 --cap-drop ALL \
  -v "$work/ws:/workspace" -v "$work/out:/outputs" \
  -v "$data/visible:/data:ro" -w /workspace -e AGENTGYM_TARGET_VAL_LOSS=2.35 -e AGENTGYM_VAL_EVERY=1000000000 \
  -e AGENTGYM_VAL_TOKENS=8192 agentgym-cpu:latest python3 train_gpt.py > "$work/train.log" 2>&1 \
  || { echo "training failed:"; tail -20 "$work/train.log"; exit 1; }
[ -f "$work/out/model.pt" ] || { echo "training exported no model.pt"; tail -20 "$work/train.log"; exit 1; }
mkdir -p "$work/model" && cp "$work/out/model.pt" "$work/model/" && chmod -R a+rX "$work/model"

verify() {  # policy -> total ms
  docker run --rm --cpus 2 --memory 4g --network none --user 65534:65534 --cap-drop ALL --read-only --tmpfs /tmp \
    -v "$work/model:/workspace:ro" -v "$data:/data:ro" \
    -e OMP_WAIT_POLICY="$1" "$image" /opt/agentgym-verifier/AgentGym.Verifier --model /workspace/model.pt --data /data \
    --val-files 'visible/val_*.bin' --heldout-files 'heldout/heldout_*.bin' --meta visible/meta.json --val-tokens 8192 \
    --seq-len 64 --tolerance 0.0001 --seed 1001 --device cpu 2>/dev/null | tail -1 \
    | python3 -c 'import json, sys; v = json.loads(sys.stdin.read()); assert not v["errors"], v["errors"]; print(v["timings"]["total_ms"])'
}

printf '%-7s %-8s %6s %10s\n' cond policy round total_s
for cond in idle loaded; do
  if [ "$cond" = loaded ]; then (while :; do :; done) & busy=$!; fi
  declare -A sum=([ACTIVE]=0 [PASSIVE]=0)
  for r in $(seq 1 "$rounds"); do
    for policy in ACTIVE PASSIVE; do
      ms=$(verify "$policy")
      printf '%-7s %-8s %6s %10.1f\n' "$cond" "$policy" "$r" "$(echo "$ms / 1000" | bc -l)"
      sum[$policy]=$(echo "${sum[$policy]} + $ms" | bc -l)
    done
  done
  printf '%-7s PASSIVE / ACTIVE = %.2f\n' "$cond" "$(echo "${sum[PASSIVE]} / ${sum[ACTIVE]}" | bc -l)"
  if [ -n "$busy" ]; then kill "$busy"; busy=; fi
done
