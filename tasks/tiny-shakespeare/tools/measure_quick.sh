#!/usr/bin/env bash
# Times the quick variants: each record with the quick target and step budget, in the CPU image,
# SEEDS seeds each (default 2). Writes records/quick_measurements.json (same shape as measurements.json).
# Usage: tools/measure_quick.sh DATA_DIR   (DATA_DIR/visible from `agentgym data prepare tiny-shakespeare`)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
data=${1:?usage: measure_quick.sh DATA_DIR}
seeds=${SEEDS:-2}
target=${QUICK_TARGET:-2.5}
steps=${QUICK_MAX_STEPS:-150}
log=$(mktemp)
for r in 1 2 3 4 5 6; do
  for seed in $(seq 1 "$seeds"); do
    out=$(mktemp -d); chmod 777 "$out"
    docker run --rm --network none --cpus 2 --memory 4g --user 65534:65534 \
      -v "$here/records/record_$r:/workspace:ro" -w /workspace \
      -v "$data/visible:/data:ro" -v "$out:/outputs" \
      -e AGENTGYM_TRAIN_FILES='/data/train_*.bin' -e AGENTGYM_VAL_FILES='/data/val_*.bin' \
      -e AGENTGYM_VAL_TOKENS=8192 -e AGENTGYM_OUTPUT_DIR=/outputs -e AGENTGYM_SEED="$seed" \
      -e AGENTGYM_TARGET_VAL_LOSS="$target" -e AGENTGYM_MAX_STEPS="$steps" \
      agentgym-cpu:latest python3 train_gpt.py | grep '^finished:' | sed "s/^/record:$r seed:$seed /" | tee -a "$log"
    rm -rf "$out"
  done
done
python3 "$here/tools/quick_log_to_json.py" "$log" > "$here/records/quick_measurements.json"
echo "wrote $here/records/quick_measurements.json"
