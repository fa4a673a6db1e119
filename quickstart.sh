#!/usr/bin/env bash
# Sets up and runs Eventbot on the example configuration: installs what is missing
# (Debian 12 packages), builds, creates a master directory from the example
# master.yaml (the manual's tutorial setup), starts the master with its embedded event
# store, creates and starts a local slave agent (example-slave), and sends a change so
# that the example builder runs its first build.
#
# The master serves its web pages and /api/v2 on web.port (the template's 8010, on
# 127.0.0.1); `eventbot-replay DIR builds` shows the builds in a terminal.
#
#   ./quickstart.sh            master in ./example-master, slave in ./example-slave
#                              (EVENTBOT_DIR and EVENTBOT_SLAVE_DIR override)
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-deps.sh
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "${JOBS:-2}"

dir=${EVENTBOT_DIR:-$PWD/example-master}
bin=$PWD/build/bin
if [ ! -f "$dir/master.yaml" ]; then
  "$bin/eventbot" create-master "$dir"
fi
"$bin/eventbot" checkconfig "$dir"
if [ -f "$dir/eventbot.pid" ] && kill -0 "$(cat "$dir/eventbot.pid")" 2>/dev/null; then
  "$bin/eventbot" restart "$dir"
else
  "$bin/eventbot" start "$dir"
fi
port=$(awk '/slave_port:/ {print $2; exit}' "$dir/master.yaml")
port=${port:-9989}

# The local slave agent, with the example's name and password (master.yaml's slaves:).
slave_dir=${EVENTBOT_SLAVE_DIR:-$PWD/example-slave}
if [ ! -f "$slave_dir/slave.yaml" ]; then
  "$bin/eventbot-slave" create-slave "$slave_dir" "127.0.0.1:$port" example-slave pass
fi
# restart: stops the agent if it runs, then starts it.
"$bin/eventbot-slave" restart "$slave_dir"

# A change on the default branch: the example scheduler builds it on runtests.
"$bin/eventbot" sendchange --master "127.0.0.1:$port" --who quickstart --branch main \
  -c "the quickstart's first change" README.md
for _ in $(seq 1 100); do
  "$bin/eventbot-replay" "$dir" builds 2>/dev/null | grep -q "SUCCESS\|FAILURE" && break
  sleep 0.1
done
"$bin/eventbot-replay" "$dir" builds

web_port=$(awk '/^web:/ {w = 1} w && /^  port:/ {print $2; exit}' "$dir/master.yaml")

cat <<EOT

The web pages: http://127.0.0.1:${web_port:-8010}/ (log in as admin, password in $dir/web-admin.password)

Try it:
  $bin/eventbot sendchange --master 127.0.0.1:$port --who you --branch main -c "a change" src/file.c
  $bin/eventbot-replay $dir builds        # the builds, their steps and results
  $bin/eventbot-replay $dir why runtests 0  # change -> scheduler -> buildset -> request -> build
  $bin/eventbot-replay $dir log runtests 0 test  # a step's log (--tail N, --follow)
  $bin/eventbot-replay $dir list          # every event
  $bin/eventbot-slave stop $slave_dir; $bin/eventbot stop $dir
The master's log is $dir/master.log, the slave's $slave_dir/slave.log.
EOT
