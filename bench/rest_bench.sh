#!/bin/bash
# rest_bench.sh -- GET /api/v2/builds?limit=50&order=-number with HISTORY (default 10000)
# finished builds: Eventbot's gateway against the real Buildbot 3.7's REST API on the same
# history, alternating in one run (docs/PERFORMANCE.md). Not a test: it prints figures.
#
# Usage: bench/rest_bench.sh [BUILD_DIR]      (default: build; needs BUILD_DIR/bin/eventbot
#        and bench_gateway; Debian's buildbot, buildbot-worker and wrk installed)
#
# The history:
#   Eventbot  `bench_gateway history DIR N` appends N finished builds into the master's
#             store before its first start, each as the master records one (change,
#             buildset, request, claim, build, one step with its log, completions; one
#             atomic append a build), over builders b0..b3 and slave s1.
#   Buildbot  its own master (buildbot create-master: its schema) runs one real build per
#             builder b0..b3 (forced through its JSON-RPC), is stopped, and those rows are
#             copied in its SQLite DB with its schema (buildsets, buildset_sourcestamps,
#             buildset_properties, buildrequests, buildrequest_claims, builds,
#             build_properties, steps, logs, logchunks) until it holds N builds, each copy
#             with new ids, the next build number of its builder and later times; then it
#             starts again. (Running 10 000 builds through it would take about an hour at
#             its 3 builds/s.)
# Then both masters serve; for each of REPS rounds: wrk on ours for DURATION, then on
# Buildbot's (THREADS threads, CONNS connections), with --latency (p50, p99).
#
# Knobs: HISTORY=10000 REPS=3 DURATION=10s CONNS=8 THREADS=1 EB_PORT=28010 EB_SLAVE_PORT=28990 BB_PORT=28011
#        BB_PB_PORT=28989 KEEP=1 (keep the work dir). Every process it starts is stopped
#        by its own pid file.
set -euo pipefail

BUILD=${1:-build}
BIN=$(cd "$BUILD/bin" && pwd)
EB=$BIN/eventbot
GEN=$BIN/bench_gateway
for b in "$EB" "$GEN"; do
    [ -x "$b" ] || { echo "missing $b (build eventbot bench_gateway)" >&2; exit 1; }
done
PY=/usr/bin/python3   # Debian's python, with buildbot and twisted
for t in buildbot buildbot-worker wrk; do
    command -v "$t" > /dev/null || { echo "missing $t: apt-get install -y buildbot buildbot-worker wrk" >&2; exit 1; }
done
HISTORY=${HISTORY:-10000}
REPS=${REPS:-3}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-8}
THREADS=${THREADS:-1}
EB_PORT=${EB_PORT:-28010}
EB_SLAVE_PORT=${EB_SLAVE_PORT:-28990}
BB_PORT=${BB_PORT:-28011}
BB_PB_PORT=${BB_PB_PORT:-28989}
KEEP=${KEEP:-0}
QUERY="/api/v2/builds?limit=50&order=-number"

WORK=$(mktemp -d /tmp/restbench.XXXXXX)
echo "work dir: $WORK"
EBD=$WORK/eventbot
BBD=$WORK/buildbot
BWD=$WORK/worker
stop_pidfile() {  # stop_pidfile FILE: TERM the pid in FILE, wait until it is gone
    local p
    p=$(cat "$1" 2>/dev/null || true)
    [ -n "$p" ] && [ -d "/proc/$p" ] || return 0
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 1 300); do
        [ -d "/proc/$p" ] && [ "$(awk '{sub(/.*\) /, ""); print $1}' "/proc/$p/stat" 2>/dev/null)" != Z ] || return 0
        sleep 0.05
    done
}
cleanup() {
    set +e
    stop_pidfile "$BWD/twistd.pid"
    stop_pidfile "$BBD/twistd.pid"
    stop_pidfile "$EBD/eventbot.pid"
    [ "$KEEP" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
wait_http() {  # wait_http URL: until it answers 200 (60 s at most)
    for _ in $(seq 1 600); do
        curl -sf -o /dev/null "$1" && return 0
        sleep 0.1
    done
    echo "no answer from $1" >&2; return 1
}

# ---- Eventbot: a master with the history written into its store, then started
mkdir -p "$EBD"
"$EB" create-master "$EBD" > /dev/null
cat > "$EBD/master.yaml" <<YAML
title: restbench
master: {id: bench, slave_port: $EB_SLAVE_PORT, durability: group}
slaves:
  - {name: s1, password: pass, max_builds: 4}
schedulers:
  - {type: force, name: force, builders: [b0, b1, b2, b3]}
builders:
$(for b in b0 b1 b2 b3; do echo "  - {name: $b, slaves: [s1], steps: [{type: shell, name: test, command: ['true']}]}"; done)
web:
  port: $EB_PORT
YAML
"$EB" checkconfig "$EBD" > /dev/null
"$GEN" history "$EBD" "$HISTORY"
"$EB" start "$EBD" > "$WORK/eventbot-start.out" 2>&1 || { cat "$WORK/eventbot-start.out" >&2; exit 1; }
wait_http "http://127.0.0.1:$EB_PORT$QUERY"

# ---- Buildbot: its master and worker; one real build per builder
buildbot create-master -r "$BBD" > /dev/null
cat > "$BBD/master.cfg" <<PYCFG
from buildbot.plugins import worker, schedulers, util, steps
c = BuildmasterConfig = {}
c['buildbotNetUsageData'] = None
c['title'] = 'restbench'
c['buildbotURL'] = 'http://127.0.0.1:$BB_PORT/'
c['db'] = {'db_url': 'sqlite:///state.sqlite'}
c['protocols'] = {'pb': {'port': 'tcp:$BB_PB_PORT:interface=127.0.0.1'}}
c['workers'] = [worker.Worker('w1', 'pass', max_builds=4)]
c['collapseRequests'] = False
names = ['b0', 'b1', 'b2', 'b3']
c['builders'] = [util.BuilderConfig(name=n, workernames=['w1'], collapseRequests=False,
                 factory=util.BuildFactory([steps.ShellCommand(name='test', command=['true'])]))
                 for n in names]
c['schedulers'] = [schedulers.ForceScheduler(name='force', builderNames=names)]
c['www'] = {'port': 'tcp:$BB_PORT:interface=127.0.0.1', 'plugins': {}}
PYCFG
# Debian does not package buildbot-www (the JS UI), without which Buildbot's web server
# does not start; its REST API is in buildbot itself. The stand-in is the real package's
# entry point with no UI (as ../shared/bench/buildbot/run_bench.sh does).
SHIM=$WORK/wwwshim
mkdir -p "$SHIM/buildbot_www/static" "$SHIM/buildbot_www-3.7.0.egg-info"
printf 'from buildbot.www.plugin import Application\nep = Application(__name__, "no UI")\n' \
    > "$SHIM/buildbot_www/__init__.py"
echo 3.7.0 > "$SHIM/buildbot_www/VERSION"
echo '<!doctype html><title>restbench</title>' > "$SHIM/buildbot_www/static/index.html"
printf 'Metadata-Version: 1.1\nName: buildbot-www\nVersion: 3.7.0\n' \
    > "$SHIM/buildbot_www-3.7.0.egg-info/PKG-INFO"
printf '[buildbot.www]\nbase = buildbot_www:ep\n' > "$SHIM/buildbot_www-3.7.0.egg-info/entry_points.txt"
export PYTHONPATH=$SHIM${PYTHONPATH:+:$PYTHONPATH}
buildbot start "$BBD" > "$WORK/buildbot-start.out" 2>&1 || { tail -20 "$BBD/twistd.log" >&2; exit 1; }
buildbot-worker create-worker "$BWD" "127.0.0.1:$BB_PB_PORT" w1 pass > /dev/null
buildbot-worker start "$BWD" > /dev/null
bb_builds_done() {
    "$PY" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from builds where complete_at is not null").fetchone()[0])' "$BBD/state.sqlite"
}
wait_http "http://127.0.0.1:$BB_PORT/api/v2/builders"
for b in b0 b1 b2 b3; do
    curl -sf -o /dev/null -H 'Content-Type: application/json' \
        -d "{\"jsonrpc\":\"2.0\",\"method\":\"force\",\"id\":1,\"params\":{\"builderNames\":[\"$b\"]}}" \
        "http://127.0.0.1:$BB_PORT/api/v2/forceschedulers/force"
done
for _ in $(seq 1 1200); do [ "$(bb_builds_done)" -ge 4 ] && break; sleep 0.1; done
[ "$(bb_builds_done)" -ge 4 ] || { echo "Buildbot's 4 builds did not finish" >&2; exit 1; }
stop_pidfile "$BWD/twistd.pid"
stop_pidfile "$BBD/twistd.pid"

# ---- Buildbot's history: its 4 real builds' rows copied, with its schema, to HISTORY
"$PY" - "$BBD/state.sqlite" "$HISTORY" <<'PYFILL'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
history = int(sys.argv[2])
def cols(table):
    return [r[1] for r in db.execute('pragma table_info(%s)' % table)]
def rows(table, where='1'):
    c = cols(table)
    return c, [dict(zip(c, r)) for r in db.execute('select * from %s where %s' % (table, where))]
base_builds = rows('builds')[1]
assert len(base_builds) == 4, base_builds
stride = {t: db.execute('select coalesce(max(id), 0) from %s' % t).fetchone()[0]
          for t in ('buildsets', 'buildset_sourcestamps', 'buildrequests', 'builds', 'steps', 'logs')}
# (table, {column: id space it refers to}); 'id' is the table's own
plan = [('buildsets', {'id': 'buildsets'}),
        ('buildset_sourcestamps', {'id': 'buildset_sourcestamps', 'buildsetid': 'buildsets'}),
        ('buildset_properties', {'buildsetid': 'buildsets'}),
        ('buildrequests', {'id': 'buildrequests', 'buildsetid': 'buildsets'}),
        ('buildrequest_claims', {'brid': 'buildrequests'}),
        ('builds', {'id': 'builds', 'buildrequestid': 'buildrequests'}),
        ('build_properties', {'buildid': 'builds'}),
        ('steps', {'id': 'steps', 'buildid': 'builds'}),
        ('logs', {'id': 'logs', 'stepid': 'steps'}),
        ('logchunks', {'logid': 'logs'})]
times = ('submitted_at', 'complete_at', 'claimed_at', 'started_at')
copies = history // 4
for table, refs in plan:
    c, base = rows(table)
    out = []
    for k in range(1, copies):
        for r in base:
            n = dict(r)
            for col, space in refs.items():
                n[col] = r[col] + k * stride[space]
            for t in times:
                if t in n and n[t] is not None:
                    n[t] = n[t] + 2 * k
            if table == 'builds':
                n['number'] = r['number'] + k
            if table == 'build_properties' and r['name'] == 'buildnumber':
                n['value'] = '[%d, "Build"]' % (k + 1)
            out.append(tuple(n[x] for x in c))
    db.executemany('insert into %s (%s) values (%s)' % (table, ','.join(c), ','.join('?' * len(c))), out)
db.commit()
print('Buildbot history:', db.execute('select count(*) from builds').fetchone()[0], 'builds')
PYFILL
buildbot start "$BBD" > "$WORK/buildbot-start2.out" 2>&1 || { tail -20 "$BBD/twistd.log" >&2; exit 1; }
wait_http "http://127.0.0.1:$BB_PORT$QUERY"

# ---- Both answer the same question
for who in "Eventbot:$EB_PORT" "Buildbot:$BB_PORT"; do
    "$PY" - "${who%%:*}" "http://127.0.0.1:${who##*:}$QUERY" <<'PYCHECK'
import json, sys, urllib.request
body = json.load(urllib.request.urlopen(sys.argv[2]))
b = body['builds']
print('%s: %d builds in the answer, meta.total %s, numbers %d..%d, keys %s' % (
    sys.argv[1], len(b), body.get('meta', {}).get('total'), b[0]['number'], b[-1]['number'],
    ','.join(sorted(b[0].keys()))))
PYCHECK
done

# ---- Alternating rounds
run_wrk() {  # run_wrk NAME PORT
    local out
    out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "http://127.0.0.1:$2$QUERY")
    local rps p50 p99 errors
    rps=$(awk '/^Requests\/sec/{print $2}' <<< "$out")
    p50=$(awk '$1=="50%"{print $2}' <<< "$out")
    p99=$(awk '$1=="99%"{print $2}' <<< "$out")
    errors=$(awk '/Non-2xx|Socket errors/{print}' <<< "$out" | tr '\n' ' ')
    echo "{\"round\": $r, \"server\": \"$1\", \"rps\": $rps, \"p50\": \"$p50\", \"p99\": \"$p99\", \"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"errors\": \"$errors\"}"
}
echo "wrk -t$THREADS -c$CONNS -d$DURATION --latency http://127.0.0.1:PORT$QUERY, $HISTORY builds"
for r in $(seq 1 "$REPS"); do
    run_wrk eventbot "$EB_PORT"
    run_wrk buildbot "$BB_PORT"
done
