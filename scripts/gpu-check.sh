#!/usr/bin/env bash
# GPU check: trains tiny-shakespeare records 1 and 6 in a GPU-sized variant on an NVIDIA GPU and prints per-step
# times, steps to the target, the speedup of record 6 over record 1, and whether each run's reported train_time
# agrees with the host-observed time over the training steps within the verifier's time-check tolerance (scripts/gpu_check.py).
#
# Runs on any host with an NVIDIA GPU:
#   - local backend: the host's python3 with a CUDA PyTorch (nothing else is needed: no .NET, no Docker);
#   - docker backend: the agentgym-cuda image (`agentgym sandbox build cuda`, or the Dockerfile beside it) with the
#     NVIDIA Container Toolkit; only python3 (standard library) is needed on the host.
# --backend auto (the default) takes local when the host's torch sees a GPU, else docker.
#
# Usage:
#   scripts/gpu-check.sh [--backend auto|local|docker] [--data DIR] [--out DIR] [--gpus all|device=N] [--compile]
#   scripts/gpu-check.sh --cpu-dry-run [--backend ...]    the same path on the CPU, few steps, no target required
#
# The GPU-sized variant (environment variables the records read; override any of them before calling):
#   GPU_CHECK_N_EMBD=512 GPU_CHECK_BATCH_SIZE=256 GPU_CHECK_TARGET=1.80 GPU_CHECK_MAX_STEPS=3000
#   GPU_CHECK_VAL_EVERY=25 GPU_CHECK_SEED=1
# Data: --data DIR with train_*.bin, val_*.bin and meta.json; by default .agentgym/gpu-check/data, prepared once
# with tasks/tiny-shakespeare/tools/prepare_data.py from $AGENTGYM_TINYSHAKESPEARE_INPUT or
# shared/data/tinyshakespeare/input.txt beside the checkout (or beside a folder above it).
# Exit status: 0 passed, 1 a check failed, 2 usage or set-up error.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BACKEND=auto
DATA=""
OUT=""
GPUS=all
DRY_RUN=0
COMPILE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) BACKEND="$2"; shift 2 ;;
    --data) DATA="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --gpus) GPUS="$2"; shift 2 ;;
    --compile) COMPILE=1; shift ;;
    --cpu-dry-run) DRY_RUN=1; shift ;;
    -h|--help) sed -n '2,25p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "gpu-check: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$BACKEND" in auto|local|docker) ;; *) echo "gpu-check: --backend must be auto, local or docker" >&2; exit 2 ;; esac
command -v python3 >/dev/null || { echo "gpu-check: python3 is needed on the host" >&2; exit 2; }
say() { echo "[gpu-check] $*"; }

# --- backend ---------------------------------------------------------------------------------------------------
host_torch() { python3 -c "import torch, sys; sys.exit(0 if ($1) else 1)" 2>/dev/null; }
if [ "$DRY_RUN" = 1 ]; then
  IMAGE="${GPU_CHECK_IMAGE:-agentgym-cpu:latest}"
  if [ "$BACKEND" = auto ]; then
    if host_torch "True"; then BACKEND=local; else BACKEND=docker; fi
  fi
  GPUS=none
else
  IMAGE="${GPU_CHECK_IMAGE:-agentgym-cuda:latest}"
  if [ "$BACKEND" = auto ]; then
    if host_torch "torch.cuda.is_available()"; then BACKEND=local
    elif command -v docker >/dev/null && docker image inspect "$IMAGE" >/dev/null 2>&1; then BACKEND=docker
    else
      echo "gpu-check: no backend: the host's python3 has no CUDA PyTorch, and Docker has no $IMAGE image" >&2
      echo "  (install a CUDA PyTorch, or build the image: agentgym sandbox build cuda)" >&2
      exit 2
    fi
  fi
  if [ "$BACKEND" = local ] && ! host_torch "torch.cuda.is_available()"; then
    echo "gpu-check: the host's python3 has no PyTorch that sees a GPU (try --backend docker)" >&2; exit 2
  fi
  if [ "$BACKEND" = docker ] && ! docker info 2>/dev/null | grep -qi 'nvidia'; then
    echo "gpu-check: Docker shows no nvidia runtime: install the NVIDIA Container Toolkit" >&2; exit 2
  fi
fi
if [ "$BACKEND" = docker ] && ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "gpu-check: Docker has no image $IMAGE" >&2; exit 2
fi

# --- data ------------------------------------------------------------------------------------------------------
if [ -z "$DATA" ]; then
  DATA="$ROOT/.agentgym/gpu-check/data/visible"
  if [ ! -f "$DATA/meta.json" ]; then
    INPUT="${AGENTGYM_TINYSHAKESPEARE_INPUT:-}"
    if [ -z "$INPUT" ]; then
      dir="$(dirname "$ROOT")"
      while [ "$dir" != "/" ]; do
        if [ -f "$dir/shared/data/tinyshakespeare/input.txt" ]; then INPUT="$dir/shared/data/tinyshakespeare/input.txt"; break; fi
        dir="$(dirname "$dir")"
      done
    fi
    [ -n "$INPUT" ] && [ -f "$INPUT" ] || {
      echo "gpu-check: no data: pass --data DIR, or set AGENTGYM_TINYSHAKESPEARE_INPUT to tiny-shakespeare's input.txt" >&2
      exit 2
    }
    say "preparing data from $INPUT"
    python3 "$ROOT/tasks/tiny-shakespeare/tools/prepare_data.py" --input "$INPUT" --out "$ROOT/.agentgym/gpu-check/data" >/dev/null
  fi
fi
[ -f "$DATA/meta.json" ] || { echo "gpu-check: $DATA has no meta.json" >&2; exit 2; }
OUT="${OUT:-$ROOT/.agentgym/gpu-check/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"

# --- the variant -----------------------------------------------------------------------------------------------
if [ "$DRY_RUN" = 1 ]; then
  # The CPU task's sizes and a few steps: proves the path (backend, data, parsing, time check), not the speed.
  DEVICE=cpu N_EMBD="${GPU_CHECK_N_EMBD:-128}" BATCH="${GPU_CHECK_BATCH_SIZE:-32}"
  MAX_STEPS="${GPU_CHECK_MAX_STEPS:-20}" VAL_EVERY="${GPU_CHECK_VAL_EVERY:-10}" TARGET="${GPU_CHECK_TARGET:-1.80}"
  EXTRA=(--allow-miss --echo-every 5)
else
  DEVICE=cuda N_EMBD="${GPU_CHECK_N_EMBD:-512}" BATCH="${GPU_CHECK_BATCH_SIZE:-256}"
  MAX_STEPS="${GPU_CHECK_MAX_STEPS:-3000}" VAL_EVERY="${GPU_CHECK_VAL_EVERY:-25}" TARGET="${GPU_CHECK_TARGET:-1.80}"
  EXTRA=()
fi
say "backend $BACKEND$([ "$BACKEND" = docker ] && echo " ($IMAGE, --gpus $GPUS)"), device $DEVICE, n_embd $N_EMBD, batch $BATCH, target $TARGET, max steps $MAX_STEPS, out $OUT"
if [ "$DEVICE" = cuda ] && command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv,noheader | sed 's/^/[gpu-check] gpu: /'
fi

exec python3 "$ROOT/scripts/gpu_check.py" --repo "$ROOT" --data "$DATA" --out "$OUT" --backend "$BACKEND" \
  --image "$IMAGE" --gpus "$GPUS" --records 1,6 --target "$TARGET" "${EXTRA[@]}" \
  --env "AGENTGYM_DEVICE=$DEVICE" --env "AGENTGYM_N_EMBD=$N_EMBD" --env "AGENTGYM_BATCH_SIZE=$BATCH" \
  --env "AGENTGYM_MAX_STEPS=$MAX_STEPS" --env "AGENTGYM_VAL_EVERY=$VAL_EVERY" --env "AGENTGYM_SEED=${GPU_CHECK_SEED:-1}" \
  --env "AGENTGYM_COMPILE=$COMPILE"
