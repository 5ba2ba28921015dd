#!/usr/bin/env python3
"""Trains tiny-shakespeare records (by default 1 and 6) and checks their timing the way the harness does.

Standard library only: the training itself runs either in the host's python3 (the local backend, which needs
PyTorch) or in a Docker image (`docker run`, GPUs passed with --gpus). Each line of the run's stdout is stamped with
the host's monotonic clock as it arrives, like the sandbox stamps lines, and the script's reported train_time is set
against that host time by the rule of src/AgentGym.Core/Scoring/RunTiming.cs: the interval before each training-step
line is training (the one before a val line is validation), and over the training intervals |reported train_time
growth - host time| must be within tolerance x host time + slack (the verifier's defaults: 10 %, 1 s).

Prints per-step times, steps and time to the target, the speedup of the last record over the first, and the time
check of each run; writes every line with its host stamp to OUT/record_R/train.log and the figures to
OUT/summary.json. Exit status 0 when every run succeeded, its timing agrees and (unless --allow-miss) it reached
the target; 1 otherwise; 2 for bad arguments.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time

STEP_LINE = re.compile(r"^step:(\d+)/(\d+) (train_loss|val_loss):(\S+) train_time:([0-9.]+)ms")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repo", required=True, help="repository root")
    p.add_argument("--data", required=True, help="folder with train_*.bin, val_*.bin and meta.json")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--backend", choices=["local", "docker"], required=True)
    p.add_argument("--image", default="agentgym-cuda:latest", help="docker backend: the image")
    p.add_argument("--gpus", default="all", help="docker backend: value for --gpus ('none' for no GPU)")
    p.add_argument("--python", default=sys.executable or "python3", help="local backend: the interpreter")
    p.add_argument("--records", default="1,6")
    p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="passed to every run")
    p.add_argument("--target", type=float, required=True, help="target val loss (also AGENTGYM_TARGET_VAL_LOSS)")
    p.add_argument("--tolerance", type=float, default=0.1)
    p.add_argument("--slack-ms", type=float, default=1000.0)
    p.add_argument("--timeout", type=float, default=1800.0, help="seconds per run")
    p.add_argument("--allow-miss", action="store_true", help="a run that does not reach the target is no failure")
    p.add_argument("--echo-every", type=int, default=100, help="echo every Nth train line (val lines always)")
    return p.parse_args(argv)


def run_record(args, record, env):
    """Runs one record; returns (exit code, [(host_ms, line)])."""
    workspace = os.path.join(args.repo, "tasks", "tiny-shakespeare", "records", f"record_{record}")
    out = os.path.abspath(os.path.join(args.out, f"record_{record}"))
    os.makedirs(out, exist_ok=True)
    env = dict(env, AGENTGYM_TARGET_VAL_LOSS=str(args.target), PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1")
    if args.backend == "local":
        data = os.path.abspath(args.data)
        env.update(AGENTGYM_TRAIN_FILES=f"{data}/train_*.bin", AGENTGYM_VAL_FILES=f"{data}/val_*.bin",
                   AGENTGYM_OUTPUT_DIR=out)
        cmd = [args.python, "train_gpt.py"]
        proc_env = dict(os.environ, **env)
        cwd = workspace
    else:
        env.update(AGENTGYM_TRAIN_FILES="/data/train_*.bin", AGENTGYM_VAL_FILES="/data/val_*.bin",
                   AGENTGYM_OUTPUT_DIR="/outputs")
        cmd = ["docker", "run", "--rm", "--network", "none", "--shm-size", "1g",
               "--user", f"{os.getuid()}:{os.getgid()}",
               "-v", f"{os.path.abspath(workspace)}:/workspace:ro", "-w", "/workspace",
               "-v", f"{os.path.abspath(args.data)}:/data:ro", "-v", f"{out}:/outputs"]
        if args.gpus != "none":
            cmd += ["--gpus", args.gpus]
        for k, v in sorted(env.items()):
            cmd += ["-e", f"{k}={v}"]
        cmd += [args.image, "python3", "train_gpt.py"]
        proc_env, cwd = None, None
    lines = []
    start = time.monotonic()
    train_lines = 0
    with open(os.path.join(out, "train.log"), "w") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=proc_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, bufsize=1)
        watchdog = threading.Timer(args.timeout, proc.kill)
        watchdog.start()
        for raw in proc.stdout:
            host_ms = 1000 * (time.monotonic() - start)
            line = raw.rstrip("\n")
            lines.append((host_ms, line))
            log.write(f"{host_ms:.1f}\t{line}\n")
            m = STEP_LINE.match(line)
            if m and m.group(3) == "train_loss":
                train_lines += 1
                if train_lines % args.echo_every:
                    continue
            print(f"  [record {record}] {line}", flush=True)
        code = proc.wait()
        watchdog.cancel()
        if time.monotonic() - start > args.timeout:
            print(f"  [record {record}] killed after {args.timeout:.0f} s", flush=True)
    return code, lines


def run_timing(events, tolerance, slack_ms):
    """RunTiming.From and Agrees (src/AgentGym.Core/Scoring/RunTiming.cs) over (host_ms, train_time_ms, is_train)
    triples in arrival order: the interval before a training-step line is training, the one before a val line is
    validation; over the training intervals the reported growth must match the host's time within
    tolerance x host time + slack."""
    if len(events) < 2:
        return {"error": f"{len(events)} telemetry line(s) with train_time; at least two are needed"}
    host = growth = 0.0
    for (h0, t0, _), (h1, t1, is_train) in zip(events, events[1:]):
        reported = t1 - t0
        if reported < 0:
            return {"error": f"reported train_time went backwards ({t0:.0f} -> {t1:.0f} ms)"}
        if not is_train:
            continue  # validation
        growth += reported
        host += h1 - h0
    allowed = tolerance * host + slack_ms
    return {"reported_training_growth_ms": round(growth, 1), "host_training_ms": round(host, 1),
            "difference_ms": round(abs(growth - host), 1), "allowed_difference_ms": round(allowed, 1),
            "agrees": abs(growth - host) <= allowed}


def percentile(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(q * (len(s) - 1)))))]


def summarise(record, code, lines, args):
    train, val, timed, info = [], [], [], {}
    for host_ms, line in lines:
        m = STEP_LINE.match(line)
        if m:
            step, kind, value, t = int(m.group(1)), m.group(3), float(m.group(4)), float(m.group(5))
            (train if kind == "train_loss" else val).append((step, value, t))
            timed.append((host_ms, t, kind == "train_loss"))
        elif line.startswith("device: "):
            info["device_line"] = line
    step_ms = [t1 - t0 for (_, _, t0), (_, _, t1) in zip([(0, 0, 0.0)] + train, train)]
    reached = next(((s, v, t) for s, v, t in val if v <= args.target), None)
    return {
        "record": record, "exit_code": code, **info, "steps_run": len(train),
        "step_ms": {"first": round(step_ms[0], 2) if step_ms else None,
                    "median": round(statistics.median(step_ms), 2) if step_ms else None,
                    "p10": round(percentile(step_ms, 0.1), 2) if step_ms else None,
                    "p90": round(percentile(step_ms, 0.9), 2) if step_ms else None,
                    "first_10": [round(x, 2) for x in step_ms[:10]]},
        "final_val_loss": val[-1][1] if val else None,
        "steps_to_target": reached[0] if reached else None,
        "train_time_to_target_ms": reached[2] if reached else None,
        "timing": run_timing(timed, args.tolerance, args.slack_ms),
    }


def main(argv):
    args = parse_args(argv)
    env = {}
    for kv in args.env:
        if "=" not in kv:
            print(f"--env {kv}: expected KEY=VALUE", file=sys.stderr)
            return 2
        k, v = kv.split("=", 1)
        env[k] = v
    records = [int(r) for r in args.records.split(",")]
    os.makedirs(args.out, exist_ok=True)
    results = []
    for record in records:
        print(f"== record {record} ({args.backend} backend)", flush=True)
        code, lines = run_record(args, record, env)
        results.append(summarise(record, code, lines, args))
    ok = True
    print("\n== per-step times (ms, from the script's train_time)")
    for r in results:
        s = r["step_ms"]
        print(f"record {r['record']}: first {s['first']}  median {s['median']}  p10 {s['p10']}  p90 {s['p90']}  "
              f"steps run {r['steps_run']}  first 10: {s['first_10']}")
    print(f"\n== steps to target (val_loss <= {args.target})")
    for r in results:
        t = r["train_time_to_target_ms"]
        if t is None:
            print(f"record {r['record']}: not reached (final val_loss {r['final_val_loss']})")
        else:
            print(f"record {r['record']}: {r['steps_to_target']} steps, train_time {t / 1000:.2f} s")
        if r["exit_code"] != 0:
            print(f"record {r['record']}: exited with code {r['exit_code']}")
            ok = False
        if r["steps_to_target"] is None and not args.allow_miss:
            ok = False
    first, last = results[0], results[-1]
    speedup = None
    if first["train_time_to_target_ms"] and last["train_time_to_target_ms"]:
        speedup = first["train_time_to_target_ms"] / last["train_time_to_target_ms"]
        print(f"\n== speedup of record {last['record']} over record {first['record']} (train time to target): "
              f"{speedup:.2f}x")
    else:
        print("\n== speedup: n/a (a record did not reach the target)")
    if first["step_ms"]["median"] and last["step_ms"]["median"]:
        print(f"   per-step cost ratio (median step, record {first['record']} / record {last['record']}): "
              f"{first['step_ms']['median'] / last['step_ms']['median']:.2f}x")
    print(f"\n== time check: reported train_time growth vs host time over the training steps "
          f"(tolerance {args.tolerance:.0%} + {args.slack_ms:.0f} ms)")
    for r in results:
        t = r["timing"]
        if "error" in t:
            print(f"record {r['record']}: FAIL {t['error']}")
            ok = False
            continue
        print(f"record {r['record']}: {'OK' if t['agrees'] else 'FAIL'} reported {t['reported_training_growth_ms']:.0f} ms, "
              f"host {t['host_training_ms']:.0f} ms, difference {t['difference_ms']:.0f} ms "
              f"(allowed {t['allowed_difference_ms']:.0f} ms)")
        ok = ok and t["agrees"]
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump({"backend": args.backend, "target": args.target, "env": env, "records": results,
                   "speedup": speedup, "ok": ok}, f, indent=2)
    print(f"\n{'GPU CHECK PASSED' if ok else 'GPU CHECK FAILED'} (details: {os.path.join(args.out, 'summary.json')})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
