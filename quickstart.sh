#!/usr/bin/env bash
# Sets up and runs Eventbot on this machine: installs what is missing (Debian 12
# packages), builds, and starts what exists so far.
#
# So far that is the event log and the replay tool: the master (with its embedded
# store, a local slave agent and the web page) lands with the master issues. Until
# then this builds everything and says what there is to run.
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "${JOBS:-2}"

echo
echo "Built: $(ls build/bin | tr '\n' ' ')"
echo "The replay tool reads any Eventbot store, also while a master writes it:"
echo "  build/bin/eventbot-replay DIR list | stats"
