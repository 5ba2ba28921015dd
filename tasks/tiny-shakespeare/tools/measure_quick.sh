#!/usr/bin/env bash
# Measures the quick setting: each of RECORDS (default 1..6) runs QUICK_MAX_STEPS steps (default 150) with no
# early stop, evaluating every QUICK_VAL_EVERY steps (5), SEEDS seeds each (3), in the CPU image with --cpus 2.
# The validation curves are merged into records/quick_measurements.json (the records measured replace their
# old curves); generate_manifests.py reads off each quick task's target and the steps each record needs to
# reach it (a run that stops at a target follows the same curve up to that point).
# Usage: [RECORDS="1 2"] [QUICK_MAX_STEPS=400] tools/measure_quick.sh DATA_DIR
#        (DATA_DIR/visible from `agentgym data prepare tiny-shakespeare`)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
data=${1:?usage: measure_quick.sh DATA_DIR}
seeds=${SEEDS:-3}
steps=${QUICK_MAX_STEPS:-150}
val_every=${QUICK_VAL_EVERY:-5}
log=$(mktemp)
for r in ${RECORDS:-1 2 3 4 5 6}; do
  for seed in $(seq 1 "$seeds"); do
    out=$(mktemp -d); chmod 777 "$out"
    docker run --rm --network none --cpus 2 --memory 4g --user 65534:65534 \
      -v "$here/records/record_$r:/workspace:ro" -w /workspace \
      -v "$data/visible:/data:ro" -v "$out:/outputs" \
      -e AGENTGYM_TRAIN_FILES='/data/train_*.bin' -e AGENTGYM_VAL_FILES='/data/val_*.bin' \
      -e AGENTGYM_VAL_TOKENS=8192 -e AGENTGYM_OUTPUT_DIR=/outputs -e AGENTGYM_SEED="$seed" \
      -e AGENTGYM_TARGET_VAL_LOSS=0 -e AGENTGYM_MAX_STEPS="$steps" -e AGENTGYM_VAL_EVERY="$val_every" \
      agentgym-cpu:latest python3 train_gpt.py | grep -E '^(step:[0-9]+/[0-9]+ val_loss|finished:)' \
      | sed "s/^/record:$r seed:$seed /" | tee -a "$log" | grep 'finished:'
    rm -rf "$out"
  done
done
python3 "$here/tools/quick_log_to_json.py" "$log" "$here/records/quick_measurements.json"
echo "wrote $here/records/quick_measurements.json"
