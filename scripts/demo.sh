#!/usr/bin/env bash
# The main job: one real episode on a CPU task, no API key needed. On a fresh Debian machine it first
# installs and starts Docker and builds the CPU sandbox and verifier images (a few minutes, once).
# The oracle agent reads the task, applies the next record's change, trains it for real in the
# sandbox, follows the run, and submits; the verifier re-runs the code and scores it (FSR).
# Extra arguments go to `agentgym episode`, e.g. --agent noop, --task tiny-shakespeare/record-5-quick, --json.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-docker.sh
bash sandbox-images/cpu/build.sh
bash scripts/build-verifier.sh
bash scripts/ensure-web-tools.sh   # npm: the build installs the dashboard's chart library
dotnet build src/AgentGym.Cli -c Release -v quiet --nologo
agentgym=(dotnet src/AgentGym.Cli/bin/Release/net10.0/agentgym.dll)

if [ ! -f .agentgym/data/tiny-shakespeare/visible/meta.json ]; then
  "${agentgym[@]}" data prepare tiny-shakespeare
fi
exec "${agentgym[@]}" episode --task tiny-shakespeare/record-2-quick --agent oracle --hints L1 "$@"
