#!/usr/bin/env bash
# Builds the verifier image: a self-contained linux-x64 publish of src/AgentGym.Verifier on top of the local CPU
# sandbox image (which has the GLIBCXX that TorchSharp's libtorch needs; this Debian 12 host does not).
#
#   scripts/build-verifier.sh            # publish + image; skipped when nothing it is built from changed
#   AGENTGYM_TORCH_BACKEND=cuda scripts/build-verifier.sh   # libtorch-cuda-12.8 (needs a CUDA base image: BASE_IMAGE=...)
#   FORCE=1 scripts/build-verifier.sh    # rebuild regardless
#
# Tags: agentgym-verifier:<first 12 hex of the sha256 of the publish output> and agentgym-verifier:latest.
# The tag in use is written to .agentgym/verifier-image (the CLI and tests read it; ScoringOptions.VerifierImage).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
backend=${AGENTGYM_TORCH_BACKEND:-cpu}
base=${BASE_IMAGE:-agentgym-cpu:latest}
out="$root/artifacts/verifier"
stamp="$out/inputs.sha256"
mkdir -p "$out" "$root/.agentgym"

base_id=$(docker image inspect --format '{{.Id}}' "$base" 2>/dev/null) || {
  echo "build-verifier: base image $base is missing; build the CPU sandbox image first (sandbox-images/cpu/build.sh)" >&2
  exit 1
}

# Everything the image is built from (documentation aside): the verifier's sources, the build settings, the backend and the base image.
inputs=$( (cd "$root" && find src/AgentGym.Verifier -type f -not -path '*/bin/*' -not -path '*/obj/*' -not -name '*.md' -print0 \
            | sort -z | xargs -0 sha256sum; sha256sum src/AgentGym.Core/Scoring/Verdict/VerifierReport.cs Directory.Build.props Directory.Packages.props global.json; \
            echo "$backend $base_id") | sha256sum | cut -c1-64)
if [ "${FORCE:-0}" != "1" ] && [ -f "$stamp" ] && [ "$(cut -d' ' -f1 "$stamp")" = "$inputs" ]; then
  tag=$(cut -d' ' -f2 "$stamp")
  if docker image inspect "$tag" >/dev/null 2>&1; then
    echo "$tag" > "$root/.agentgym/verifier-image"
    echo "build-verifier: $tag is up to date"
    exit 0
  fi
fi

rm -rf "$out/context"
mkdir -p "$out/context"
dotnet publish src/AgentGym.Verifier/AgentGym.Verifier.csproj -c Release -r linux-x64 --self-contained \
  -p:AgentGymTorchBackend="$backend" -o "$out/context/publish" --nologo -v quiet
# The sandbox runs as an unprivileged user; the legacy builder keeps the context's modes, so open them here.
chmod -R a+rX "$out/context/publish"
cp src/AgentGym.Verifier/image/Dockerfile "$out/context/Dockerfile"
# The tag names what is in the image: the publish output, the recipe and the base image.
hash=$( (cd "$out/context" && find . -type f -print0 | sort -z | xargs -0 sha256sum; echo "$base_id") | sha256sum | cut -c1-12)
tag="agentgym-verifier:$hash"
if ! docker image inspect "$tag" >/dev/null 2>&1; then
  docker build --pull=false --build-arg BASE_IMAGE="$base" -t "$tag" "$out/context"
fi
docker tag "$tag" agentgym-verifier:latest
echo "$inputs $tag" > "$stamp"
echo "$tag" > "$root/.agentgym/verifier-image"
rm -rf "$out/context"
echo "build-verifier: built $tag"
