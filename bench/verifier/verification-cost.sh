#!/usr/bin/env bash
# The cost of a whole verification against the training it verifies, side by side, for quick tiny-shakespeare tasks.
#
#   bench/verifier/verification-cost.sh [TASK...]      (default: tiny-shakespeare/record-2-quick)
#
# For each task, verifies the next record's script as a submission (what the oracle submits) with `agentgym verify`
# and prints: the verification's wall time, the submission's verified train time summed over the pairs (its own
# training), and their ratio. The verification runs every pair's starting record, submission and next record, and
# the model verifier, so the ratio is the price of paired timing. Needs Docker, the images and prepared data
# (scripts/demo.sh sets them up).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -gt 0 ] || set -- tiny-shakespeare/record-2-quick
dotnet build src/AgentGym.Cli -c Release -v quiet --nologo >/dev/null
ag=(dotnet src/AgentGym.Cli/bin/Release/net10.0/agentgym.dll)
[ -f "${AGENTGYM_HOME:-.agentgym}/data/tiny-shakespeare/visible/meta.json" ] || "${ag[@]}" data prepare tiny-shakespeare >/dev/null
printf '%-34s %12s %16s %8s %6s\n' task verify_s submission_s ratio fsr
for task in "$@"; do
  k=$(echo "$task" | sed 's/.*record-\([0-9]*\).*/\1/')
  ws=$(mktemp -d)
  cp "tasks/tiny-shakespeare/records/record_$((k + 1))/train_gpt.py" "$ws/"
  start=$(date +%s.%N)
  "${ag[@]}" verify --task "$task" --workspace "$ws" --json > "$ws/verdict.json" 2> "$ws/progress.log" || true
  end=$(date +%s.%N)
  python3 - "$ws/verdict.json" "$task" "$start" "$end" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
t = v["checks"].get("timing") or {}
sub = sum(p["submission_ms"] for p in t.get("pairs", [])) / 1000
wall = float(sys.argv[4]) - float(sys.argv[3])
ratio = wall / sub if sub else float("nan")
print(f'{sys.argv[2]:<34} {wall:12.1f} {sub:16.1f} {ratio:8.1f} {t.get("fsr")!s:>6}')
PY
  rm -rf "$ws"
done
