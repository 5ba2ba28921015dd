#!/usr/bin/env bash
# Build the AgentGym CUDA sandbox image (agentgym-cuda:<tag>, also tagged agentgym-cuda:latest) offline.
#
# Recipe (no Docker Hub, no PyPI; Debian packages, plus cuDNN, which Debian does not ship):
#   1. debootstrap a minimal Debian trixie with the components main, contrib and non-free;
#   2. apt-get install (no recommends) the packages in packages.txt inside it: Debian's CUDA build of
#      PyTorch (python3-torch-cuda 2.6.0, contrib) and its CUDA 12 runtime libraries (non-free);
#   3. cuDNN 9 for CUDA 12: Debian's nvidia-cudnn is only an installer whose script downloads NVIDIA's
#      archive (pinned by sha512 in that script). Its automatic run is declined, and the script is run
#      here with AGENTGYM_CUDNN_ARCHIVE (a local copy of that archive) when set, else it downloads it,
#      which needs NVIDIA's download server. Either way you accept the NVIDIA cuDNN licence;
#   4. drop the driver's own user-space libraries that the packages pulled in (libcuda1 and friends,
#      driver 550): the NVIDIA Container Toolkit mounts the host driver's matching ones at run time;
#      drop static libraries, apt caches and documentation; `docker import` the tree.
# Building needs no GPU. Running needs the NVIDIA driver and the NVIDIA Container Toolkit on the host.
#
# The tag is the first 12 hex digits of sha256(build.sh || packages.txt), so an unchanged recipe is
# never rebuilt. Downloaded .deb files are kept in .build/debs, so a failed build retries quickly.
# The alternative for hosts that reach Docker Hub is the Dockerfile beside this file.
#
# Usage:
#   build.sh               build (or report the existing image) and tag :latest
#   build.sh --print-tag   print agentgym-cuda:<tag> and exit
#
# Environment:
#   AGENTGYM_DEBIAN_MIRROR  Debian mirror URI; default: the first URIs: line of the host's
#                           non-security entry in /etc/apt/sources.list.d/debian.sources
#                           (or the first `deb` line of /etc/apt/sources.list).
#   AGENTGYM_CUDNN_ARCHIVE  path of cudnn-linux-x86_64-9.0.0.312_cuda12-archive.tar.xz (the file
#                           Debian's update-nvidia-cudnn names and checks); unset: download it.
#   AGENTGYM_KEEP_ROOTFS=1  keep the root filesystem after import (debugging).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
IMAGE_NAME="agentgym-cuda"
# trixie is the first suite with python3-torch-cuda; the suite is part of the recipe, not a knob.
SUITE="trixie"
COMPONENTS="main,contrib,non-free"

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

log() { echo "[build cuda image] $(date +%H:%M:%S) $*"; }

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

# --- mirror (same rule as sandbox-images/cpu/build.sh) -------------------------------------
find_mirror() {
  if [ -n "${AGENTGYM_DEBIAN_MIRROR:-}" ]; then
    echo "$AGENTGYM_DEBIAN_MIRROR"; return
  fi
  local f=/etc/apt/sources.list.d/debian.sources
  if [ -r "$f" ]; then
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
  # A killed build can leave its mounts behind; the .deb cache must not be deleted through one.
  umount "$ROOTFS/var/cache/apt/archives" "$ROOTFS/proc" 2>/dev/null || true
  rm -rf "$ROOTFS"
fi

START=$(date +%s)
log "building $IMAGE: suite=$SUITE components=$COMPONENTS mirror=$MIRROR"
log "packages: $PACKAGES"
DEBS="$BUILD/debs"
mkdir -p "$DEBS"
debootstrap --variant=minbase --components="$COMPONENTS" --cache-dir="$DEBS" "$SUITE" "$ROOTFS" "$MIRROR"
log "debootstrap done after $(( $(date +%s) - START )) s"

# The chroot gets the host's resolver, /proc, and the persistent .deb cache; all undone on exit.
cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
mount -t proc proc "$ROOTFS/proc"
mount --bind "$DEBS" "$ROOTFS/var/cache/apt/archives"
cleanup_mounts() {
  umount "$ROOTFS/var/cache/apt/archives" 2>/dev/null || true
  umount "$ROOTFS/proc" 2>/dev/null || true
}
trap cleanup_mounts EXIT
in_root() { chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }

echo "deb $MIRROR $SUITE ${COMPONENTS//,/ }" > "$ROOTFS/etc/apt/sources.list"
# Decline the installer's own download in its postinst (step 3 runs it with a local archive instead).
echo "nvidia-cudnn nvidia-cudnn/question select I Decline" | in_root debconf-set-selections
in_root apt-get update -q
# shellcheck disable=SC2086
in_root apt-get install -y -q --no-install-recommends ${PACKAGES//,/ }
log "packages installed after $(( $(date +%s) - START )) s"

CUDNN_FILE="cudnn-linux-x86_64-9.0.0.312_cuda12-archive.tar.xz"
mkdir -p "$ROOTFS/tmp/cudnn"
if [ -n "${AGENTGYM_CUDNN_ARCHIVE:-}" ]; then
  [ -f "$AGENTGYM_CUDNN_ARCHIVE" ] || { echo "AGENTGYM_CUDNN_ARCHIVE=$AGENTGYM_CUDNN_ARCHIVE: no such file" >&2; exit 1; }
  cp "$AGENTGYM_CUDNN_ARCHIVE" "$ROOTFS/tmp/cudnn/$CUDNN_FILE"
  log "cuDNN from $AGENTGYM_CUDNN_ARCHIVE"
else
  log "cuDNN: AGENTGYM_CUDNN_ARCHIVE unset; Debian's installer downloads it from NVIDIA"
fi
if ! in_root update-nvidia-cudnn --update --tmpdir /tmp/cudnn --filelist /var/lib/nvidia-cudnn/filelist.txt; then
  echo "cuDNN could not be installed: Debian ships only an installer for it (nvidia-cudnn), which needs" >&2
  echo "NVIDIA's download server. Set AGENTGYM_CUDNN_ARCHIVE to a local $CUDNN_FILE" >&2
  echo "(checked against the sha512 in the rootfs's /sbin/update-nvidia-cudnn) and run again; the" >&2
  echo "Debian packages are cached in $DEBS, so the retry is quick." >&2
  exit 1
fi
rm -rf "$ROOTFS/tmp/cudnn"

# The driver's user-space libraries must come from the host (the container toolkit mounts them);
# copies of another driver version in the image would shadow them.
in_root dpkg --purge --force-depends libcuda1 libnvidia-ml1 libnvidia-ptxjitcompiler1 libnvidia-pkcs11-openssl3
find "$ROOTFS/usr/lib" -name '*.a' -delete
in_root ldconfig
cleanup_mounts
trap - EXIT

log "cleaning apt caches and documentation"
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb \
       "$ROOTFS"/var/cache/apt/*.bin \
       "$ROOTFS"/var/lib/apt/lists/* \
       "$ROOTFS"/var/log/* \
       "$ROOTFS"/usr/share/doc/* \
       "$ROOTFS"/usr/share/man/* \
       "$ROOTFS"/usr/share/info/* \
       "$ROOTFS"/etc/resolv.conf \
       "$ROOTFS"/debootstrap 2>/dev/null || true
mkdir -p "$ROOTFS/workspace" "$ROOTFS/data" "$ROOTFS/outputs"
chmod 1777 "$ROOTFS/tmp"

# NVIDIA_VISIBLE_DEVICES/NVIDIA_DRIVER_CAPABILITIES tell the container toolkit what to mount when a
# run asks for GPUs; without a device request they do nothing.
log "importing into docker as $IMAGE"
tar --numeric-owner -C "$ROOTFS" -c . | docker import \
  --change 'WORKDIR /workspace' \
  --change 'ENV LANG=C.UTF-8 PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 NVIDIA_DRIVER_CAPABILITIES=compute,utility' \
  --change 'CMD ["python3"]' \
  --message "agentgym cuda sandbox ($SUITE $COMPONENTS; $PACKAGES)" \
  - "$IMAGE"
docker tag "$IMAGE" "$IMAGE_NAME:latest"

if [ "${AGENTGYM_KEEP_ROOTFS:-0}" != "1" ]; then
  log "removing $ROOTFS"
  rm -rf "$ROOTFS"
fi

# Without a GPU torch.cuda.is_available() is False; the check proves the CUDA build imports and
# names its CUDA version (None would mean a CPU-only torch slipped in).
log "checking the image"
docker run --rm --network none "$IMAGE" python3 -c \
  "import torch, numpy; assert torch.version.cuda, 'torch has no CUDA'; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'cudnn', torch.backends.cudnn.version(), 'numpy', numpy.__version__, 'gpus visible', torch.cuda.device_count())"

SIZE="$(docker image inspect "$IMAGE" --format '{{.Size}}')"
log "done: $IMAGE (and $IMAGE_NAME:latest) in $(( $(date +%s) - START )) s, $(( SIZE / 1000000 )) MB"
echo "$IMAGE"
