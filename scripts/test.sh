#!/usr/bin/env bash
# The test command: builds everything and runs every test project, Docker tests included.
# On a fresh Debian machine it first installs and starts Docker and builds the CPU sandbox image
# (a few minutes, once). Ends with one line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [ "${AGENTGYM_SKIP_DOCKER:-0}" != "1" ]; then
  bash scripts/ensure-docker.sh || { echo "Docker could not be started (see above)"; exit 1; }
  bash sandbox-images/cpu/build.sh || { echo "The CPU sandbox image could not be built (see above)"; exit 1; }
  bash scripts/build-verifier.sh || { echo "The verifier image could not be built (see above)"; exit 1; }
  bash scripts/ensure-slurm.sh || { echo "The one-node Slurm cluster could not be started (see above)"; exit 1; }
  export AGENTGYM_REQUIRE_DOCKER=1
fi

# npm for the dashboard's chart library (the build), Chromium for its browser tests.
bash scripts/ensure-web-tools.sh --browser || { echo "npm or Chromium could not be installed (see above)"; exit 1; }

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

dotnet build AgentGym.sln -c Release -warnaserror --nologo -v quiet || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

status=0
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$results" > "$results/$name.log" 2>&1
  rc=$?
  # Show failures, skips and the project summary; the full log stays in artifacts/test-results.
  # A failure's message (the lines after "Error Message:") is printed too: CI shows only this output.
  awk '/Error Message:/ { print; more = 6; next }
       more > 0 { print; more--; next }
       /^[ \t]*(Failed|Skipped) |^[ \t]*(Passed|Failed)!|^Test Run (Successful|Failed|Aborted)|^Total tests:|^[ \t]+(Passed|Failed|Skipped): |error / { print }' "$results/$name.log" | head -300
  [ "$rc" -eq 0 ] || status=1
done

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get notExecuted)))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
