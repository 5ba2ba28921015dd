#!/usr/bin/env bash
# Measures the quick setting: each of RECORDS (default 1..6) runs QUICK_MAX_STEPS steps (default 150) with no
# early stop, evaluating every QUICK_VAL_EVERY steps (5) on 8,192 val tokens, SEEDS seeds each (3). The runs are
# measure_records.sh's (same container, limits and environment as the full measurement; logs under WORK).
# The validation curves are merged into records/quick_measurements.json (the records measured replace their
# old curves); generate_manifests.py reads off each quick task's target and the steps each record needs to
# reach it (a run that stops at a target follows the same curve up to that point).
# Usage: [RECORDS="1 2"] [QUICK_MAX_STEPS=400] tools/measure_quick.sh DATA_DIR
#        (DATA_DIR/visible from `agentgym data prepare tiny-shakespeare`)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
data=${1:?usage: measure_quick.sh DATA_DIR}
read -r -a records <<< "${RECORDS:-1 2 3 4 5 6}"
seeds=${SEEDS:-3}
work=${WORK:-/tmp/ts-measure-quick}
DATA="$data" RUNS="$seeds" SEED0=1 VAL_TOKENS=8192 WORK="$work" OUT="$work/summary.json" \
  EXTRA_ENV="-e AGENTGYM_TARGET_VAL_LOSS=0 -e AGENTGYM_MAX_STEPS=${QUICK_MAX_STEPS:-150} -e AGENTGYM_VAL_EVERY=${QUICK_VAL_EVERY:-5}" \
  bash "$here/tools/measure_records.sh" "${records[@]}"
logs=()
for r in "${records[@]}"; do
  for seed in $(seq 1 "$seeds"); do logs+=("$work/record_${r}_seed_${seed}.log"); done
done
python3 "$here/tools/quick_log_to_json.py" "$here/records/quick_measurements.json" "${logs[@]}"
echo "wrote $here/records/quick_measurements.json"
