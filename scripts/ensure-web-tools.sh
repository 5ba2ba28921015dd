#!/usr/bin/env bash
# Make sure the tools the dashboard needs are on this host. Idempotent: safe to run any number of times.
#   - npm: the AgentGym.Server build runs `npm ci` for the dashboard's chart library (uplot, pinned)
#   - chromium (with --browser): the dashboard's browser tests drive Debian's Chromium through Playwright
set -euo pipefail

log() { echo "[ensure-web-tools] $*"; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
fi

missing=()
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${1:-}" = "--browser" ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
fi

if [ "${#missing[@]}" -gt 0 ]; then
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
else
  log "npm${1:+ and chromium} already installed"
fi
