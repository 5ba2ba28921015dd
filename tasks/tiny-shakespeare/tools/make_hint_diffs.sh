#!/usr/bin/env bash
# Regenerate hints/record_k/level_0.diff = diff -u of record_k/train_gpt.py against
# record_{k+1}/train_gpt.py, with paths a/train_gpt.py and b/train_gpt.py.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
k=1
while [ -f "$ROOT/records/record_$((k + 1))/train_gpt.py" ]; do
  mkdir -p "$ROOT/hints/record_$k"
  diff -u --label a/train_gpt.py --label b/train_gpt.py \
    "$ROOT/records/record_$k/train_gpt.py" "$ROOT/records/record_$((k + 1))/train_gpt.py" \
    > "$ROOT/hints/record_$k/level_0.diff" || [ $? -eq 1 ]
  echo "hints/record_$k/level_0.diff: $(grep -c '^[-+][^-+]' "$ROOT/hints/record_$k/level_0.diff") changed lines"
  k=$((k + 1))
done
