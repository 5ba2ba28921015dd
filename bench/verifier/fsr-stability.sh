#!/usr/bin/env bash
# Does the reward mean the same on an idle and on a busy machine? Oracle and noop FSR on the quick tiny-shakespeare
# tasks, verified once idle and once with a one-core busy loop beside the verification.
#
#   bench/verifier/fsr-stability.sh [--seeds "1 2 3"] [--conditions "idle loaded"] [TASK_NUMBER...]   (default: 1 2 3 4 5)
#
# noop submits the starting record unchanged; oracle submits the next record's script (what the L0 hint leads to).
# Each line: condition, task, agent, seed, FSR, passed, verification wall time, the submission's verified train time
# summed over the pairs, and their ratio (the price of paired timing). Ends with, per task and agent, the idle and
# loaded mean FSR side by side. Goal: idle and loaded within 0.2 of each other, noop within 0.2 of 0. Needs Docker,
# the images and prepared data (scripts/demo.sh sets them up); about 2-4 minutes per verification on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
seeds="1"; conditions="idle loaded"
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds=$2; shift 2 ;;
    --conditions) conditions=$2; shift 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || set -- 1 2 3 4 5
dotnet build src/AgentGym.Cli -c Release -v quiet --nologo >/dev/null
ag=(dotnet src/AgentGym.Cli/bin/Release/net10.0/agentgym.dll)
[ -f "${AGENTGYM_HOME:-.agentgym}/data/tiny-shakespeare/visible/meta.json" ] || "${ag[@]}" data prepare tiny-shakespeare >/dev/null
work=$(mktemp -d)
busy=
trap '[ -n "$busy" ] && kill "$busy" 2>/dev/null; rm -rf "$work"' EXIT
printf '%-7s %-32s %-6s %4s %8s %6s %9s %13s %6s\n' cond task agent seed fsr passed verify_s submission_s ratio
for cond in $conditions; do
  if [ "$cond" = loaded ]; then (while :; do :; done) & busy=$!; fi
  for k in "$@"; do
    task=tiny-shakespeare/record-$k-quick
    for seed in $seeds; do
      for agent in oracle noop; do
        ws="$work/$k-$agent-$seed"; mkdir -p "$ws"
        if [ "$agent" = oracle ]; then n=$((k + 1)); else n=$k; fi
        cp "tasks/tiny-shakespeare/records/record_$n/train_gpt.py" "$ws/"
        start=$(date +%s.%N)
        "${ag[@]}" verify --task "$task" --workspace "$ws" --seed "$seed" --json > "$ws/verdict.json" 2> "$ws/progress.log" || true
        end=$(date +%s.%N)
        python3 - "$ws/verdict.json" "$cond" "$task" "$agent" "$seed" "$start" "$end" "$work/results.tsv" <<'PY'
import json, sys
path, cond, task, agent, seed, start, end, out = sys.argv[1:]
try:
    v = json.load(open(path))
except (OSError, ValueError):
    v = {"passed": False, "checks": {}}
t = v["checks"].get("timing") or {}
sub = sum(p["submission_ms"] for p in t.get("pairs", [])) / 1000
wall = float(end) - float(start)
fsr = t.get("fsr")
print(f'{cond:<7} {task:<32} {agent:<6} {seed:>4} {fsr if fsr is not None else "NA"!s:>8} {str(v.get("passed")):>6} {wall:9.1f} {sub:13.1f} {wall / sub if sub else float("nan"):6.1f}')
with open(out, "a") as f:
    f.write(f"{cond}\t{task}\t{agent}\t{fsr if fsr is not None else ''}\n")
PY
      done
    done
  done
  if [ -n "$busy" ]; then kill "$busy"; busy=; fi
done
python3 - "$work/results.tsv" <<'PY'
import sys
from collections import defaultdict
cells = defaultdict(list)
for line in open(sys.argv[1]):
    cond, task, agent, fsr = line.rstrip("\n").split("\t")
    if fsr: cells[(task, agent, cond)].append(float(fsr))
print()
print(f'{"task":<32} {"agent":<6} {"idle":>8} {"loaded":>8} {"|diff|":>7}')
for task, agent in sorted({(t, a) for t, a, _ in cells}):
    m = {c: sum(v) / len(v) for (t, a, c), v in cells.items() if (t, a) == (task, agent)}
    i, l = m.get("idle"), m.get("loaded")
    d = abs(i - l) if i is not None and l is not None else None
    f = lambda x: "NA" if x is None else f"{x:.3f}"
    print(f'{task:<32} {agent:<6} {f(i):>8} {f(l):>8} {f(d):>7}')
PY
