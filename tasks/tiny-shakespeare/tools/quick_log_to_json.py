#!/usr/bin/env python3
"""Merges measure_quick.sh's run logs (WORK/record_R_seed_S.log, with lines 'step:N/M val_loss:L train_time:Tms ...')
into records/quick_measurements.json: per record, per seed, the validation curve [[step, val_loss, train_time_ms]]
and the step budget M it ran to. Records in the logs replace the ones already in the file; the others stay.
Usage: quick_log_to_json.py JSON LOG..."""
import json
import os
import re
import sys

path, logs = sys.argv[1], sys.argv[2:]
data = {"task_family": "tiny-shakespeare", "variant": "quick", "val_tokens": 8192, "records": {}}
if os.path.exists(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
runs = {}
for log in logs:
    r, seed = re.fullmatch(r"record_(\d+)_seed_(\d+)\.log", os.path.basename(log)).groups()
    for line in open(log, encoding="utf-8"):
        m = re.match(r"step:(\d+)/(\d+) val_loss:([\d.]+) train_time:(\d+)ms", line)
        if m:
            step, max_steps, loss, ms = m.groups()
            run = runs.setdefault(r, {}).setdefault(int(seed), {"seed": int(seed), "max_steps": int(max_steps), "curve": []})
            run["curve"].append([int(step), float(loss), int(ms)])
for r, by_seed in runs.items():
    data["records"][r] = {"runs": [by_seed[s] for s in sorted(by_seed)]}
data["records"] = dict(sorted(data["records"].items(), key=lambda kv: int(kv[0])))
with open(path, "w", encoding="utf-8") as f:
    json.dump(data, f, indent=1)
    f.write("\n")
