#!/usr/bin/env bash
# Make sure a working Docker daemon (and debootstrap, used to build the CPU sandbox image)
# is available on this host. Idempotent: safe to run any number of times.
#   - installs docker.io and debootstrap with apt-get if missing (needs root)
#   - starts dockerd in the background (log: /var/log/dockerd.log) if `docker info` fails
#   - waits up to 60 s for the daemon to answer
set -euo pipefail

log() { echo "[ensure-docker] $*"; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
fi

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker >/dev/null 2>&1 || { [[ " ${missing[*]-} " == *" docker.io "* ]] || missing+=(docker.io); }
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)

if [ "${#missing[@]}" -gt 0 ]; then
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
else
  log "docker and debootstrap already installed"
fi

if docker info >/dev/null 2>&1; then
  log "docker daemon is running"
  exit 0
fi

if pgrep -x dockerd >/dev/null 2>&1; then
  log "dockerd process exists but does not answer yet; waiting"
else
  log "starting dockerd (log: /var/log/dockerd.log)"
  # setsid + nohup: the daemon must outlive this script and its terminal.
  $SUDO sh -c 'nohup setsid dockerd >>/var/log/dockerd.log 2>&1 </dev/null &'
fi

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    log "docker daemon is ready"
    exit 0
  fi
  sleep 1
done

log "ERROR: docker daemon did not become ready within 60 s; see /var/log/dockerd.log" >&2
tail -n 20 /var/log/dockerd.log >&2 || true
exit 1
