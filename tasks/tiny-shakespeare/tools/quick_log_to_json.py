#!/usr/bin/env python3
"""Turns lines 'record:R seed:S finished: steps:N val_loss:L train_time:Tms target:X reached:true'
into the measurements.json shape that generate_manifests.py reads."""
import json
import re
import statistics
import sys

runs = {}
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.search(r"record:(\d+) seed:(\d+) finished: steps:(\d+) val_loss:([\d.]+) train_time:(\d+)ms .*reached:(\w+)", line)
    if m:
        r, seed, steps, loss, ms, reached = m.groups()
        runs.setdefault(r, []).append({"seed": int(seed), "steps": int(steps), "val_loss": float(loss),
                                       "train_time_ms": int(ms), "reached_target": reached == "true"})
records = {}
for r, rs in sorted(runs.items()):
    times = [x["train_time_ms"] for x in rs]
    records[r] = {"runs": rs, "n_runs": len(rs),
                  "train_time_ms_mean": statistics.mean(times),
                  "train_time_ms_std": statistics.stdev(times) if len(times) > 1 else 0.0}
json.dump({"task_family": "tiny-shakespeare", "variant": "quick", "records": records}, sys.stdout, indent=2)
print()
