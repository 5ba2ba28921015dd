#!/usr/bin/env bash
# Build the AgentGym CPU sandbox image (agentgym-cpu:<tag>, also tagged agentgym-cpu:latest).
#
# Recipe: debootstrap a minimal Debian trixie root filesystem with the packages listed in
# packages.txt (PyTorch from Debian, linked against OpenBLAS), clean the apt caches, and
# `docker import` the tree. No Docker Hub and no PyPI are needed: only a Debian mirror.
#
# The tag is the first 12 hex digits of sha256(build.sh || packages.txt), so an unchanged
# recipe is never rebuilt.
#
# Usage:
#   build.sh               build (or report the existing image) and tag :latest
#   build.sh --print-tag   print agentgym-cpu:<tag> and exit
#
# Environment:
#   AGENTGYM_DEBIAN_MIRROR  Debian mirror URI; default: the first URIs: line of the host's
#                           non-security entry in /etc/apt/sources.list.d/debian.sources
#                           (or the first `deb` line of /etc/apt/sources.list).
#   AGENTGYM_DEBIAN_SUITE   suite to bootstrap (default trixie). Do not use bookworm: its
#                           python3-torch uses the reference BLAS and is ~25x slower.
#   AGENTGYM_KEEP_ROOTFS=1  keep the root filesystem after import (debugging).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
IMAGE_NAME="agentgym-cpu"
SUITE="${AGENTGYM_DEBIAN_SUITE:-trixie}"

TAG="$(cat "$HERE/build.sh" "$HERE/packages.txt" | sha256sum | cut -c1-12)"
IMAGE="$IMAGE_NAME:$TAG"

if [ "${1:-}" = "--print-tag" ]; then
  echo "$IMAGE"
  exit 0
fi
if [ $# -gt 0 ]; then
  echo "usage: $0 [--print-tag]" >&2
  exit 2
fi

log() { echo "[build cpu image] $(date +%H:%M:%S) $*"; }

if ! docker info >/dev/null 2>&1; then
  echo "docker daemon not reachable; run scripts/ensure-docker.sh first" >&2
  exit 1
fi

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "image $IMAGE already exists (recipe unchanged); nothing to build"
  docker tag "$IMAGE" "$IMAGE_NAME:latest"
  echo "$IMAGE"
  exit 0
fi

# --- mirror -------------------------------------------------------------------------------
find_mirror() {
  if [ -n "${AGENTGYM_DEBIAN_MIRROR:-}" ]; then
    echo "$AGENTGYM_DEBIAN_MIRROR"; return
  fi
  local f=/etc/apt/sources.list.d/debian.sources
  if [ -r "$f" ]; then
    # deb822: paragraphs separated by blank lines; take the first URIs: of a paragraph
    # that is not the security archive.
    awk '
      BEGIN { RS=""; FS="\n" }
      {
        uri=""; sec=0
        for (i=1; i<=NF; i++) {
          if ($i ~ /^URIs:/) { split($i, a, /[ \t]+/); if (uri=="") uri=a[2] }
          if ($i ~ /^Suites:.*-security/ || $i ~ /^URIs:.*security/) sec=1
        }
        if (uri!="" && !sec) { print uri; exit }
      }' "$f"
    return
  fi
  if [ -r /etc/apt/sources.list ]; then
    awk '$1=="deb" && $0 !~ /security/ { for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list
  fi
}
MIRROR="$(find_mirror)"
if [ -z "$MIRROR" ]; then
  echo "could not determine a Debian mirror; set AGENTGYM_DEBIAN_MIRROR" >&2
  exit 1
fi

PACKAGES="$(grep -v '^[[:space:]]*#' "$HERE/packages.txt" | tr -s ' \t\r\n' '\n' | sed '/^$/d' | paste -sd, -)"

command -v debootstrap >/dev/null 2>&1 || { echo "debootstrap missing; run scripts/ensure-docker.sh" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "debootstrap needs root" >&2; exit 1; }

BUILD="$HERE/.build"
ROOTFS="$BUILD/rootfs"
mkdir -p "$BUILD"
if [ -e "$ROOTFS" ]; then
  log "removing stale $ROOTFS"
  rm -rf "$ROOTFS"
fi

START=$(date +%s)
log "building $IMAGE: suite=$SUITE mirror=$MIRROR"
log "packages: $PACKAGES"
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOTFS" "$MIRROR"
log "debootstrap done after $(( $(date +%s) - START )) s"

log "cleaning apt caches and documentation"
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb \
       "$ROOTFS"/var/cache/apt/*.bin \
       "$ROOTFS"/var/lib/apt/lists/* \
       "$ROOTFS"/var/log/* \
       "$ROOTFS"/usr/share/doc/* \
       "$ROOTFS"/usr/share/man/* \
       "$ROOTFS"/usr/share/info/* \
       "$ROOTFS"/debootstrap 2>/dev/null || true
mkdir -p "$ROOTFS/workspace" "$ROOTFS/data" "$ROOTFS/outputs"
chmod 1777 "$ROOTFS/tmp"

log "importing into docker as $IMAGE"
tar --numeric-owner -C "$ROOTFS" -c . | docker import \
  --change 'WORKDIR /workspace' \
  --change 'ENV LANG=C.UTF-8 PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1' \
  --change 'CMD ["python3"]' \
  --message "agentgym cpu sandbox ($SUITE; $PACKAGES)" \
  - "$IMAGE"
docker tag "$IMAGE" "$IMAGE_NAME:latest"

if [ "${AGENTGYM_KEEP_ROOTFS:-0}" != "1" ]; then
  log "removing $ROOTFS"
  rm -rf "$ROOTFS"
fi

log "checking the image"
docker run --rm --network none "$IMAGE" python3 -c \
  "import torch, numpy; print('torch', torch.__version__, 'numpy', numpy.__version__, 'threads', torch.get_num_threads())"

log "done: $IMAGE (and $IMAGE_NAME:latest) in $(( $(date +%s) - START )) s"
echo "$IMAGE"
