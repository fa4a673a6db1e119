#!/bin/bash
# builds_bench.sh -- Eventbot's master and slave agents end to end, on the workload of the
# real Buildbot's benchmark (../shared/bench/buildbot/run_bench.sh), for
# docs/PERFORMANCE.md. Not a test: it prints figures and fails only if something breaks.
#
# Usage: bench/builds_bench.sh [BUILD_DIR]      (default: build; binaries in BUILD_DIR/bin)
#
# Parts (PARTS, default "tput lat log hist idle"):
#   tput  NBUILDS changes, one after another (sequential: each acknowledged durable before
#         the next; pipelined: all sent, then the answers read), over 4 builders b0..b3
#         with one `true` step each, one single_branch scheduler per builder (change_filter
#         branch bN, no tree-stable timer), collapse_requests false; for each slave count
#         in SLAVE_COUNTS (default "1 4 16"): that many eventbot-slave agents, each
#         max_builds 4, every builder may use every slave (so at most 4 builds with one
#         slave, as Buildbot's one worker with max_builds 4; 16 with 4; 64 with 16).
#         A fresh master per slave count. Wall time, builds/s, master and agents' CPU
#         seconds (/proc/PID/stat), master RSS.
#   lat   single-build latency, change -> BuildFinished, LAT_REPS times (1 slave, idle):
#         observed by polling the store read-only every 2 ms, and by the BuildFinished
#         event's own time stamp
#   log   one build per log test (LOGTESTS, default "seqlog b64log yeslog gblog"):
#         `seq 1 200000`, base64 of urandom in 101-byte lines (50.5 MB), `yes` 2-byte lines
#         (50 MB), and 1 GB of 100-byte lines (`yes` of 99 x's: compresses well);
#         MB/s = stdout bytes / (change -> build finished, seen in master.log: reading the
#         store would replay the whole output from the WAL in the driver); master and agent peak
#         RSS (VmHWM, reset before each test through /proc/PID/clear_refs) and CPU
#   hist  HISTORY (default 10000) trivial builds (pipelined, 1000 at a time), then master
#         RSS; stop, start: start-up time, RSS right after start and 5 s later
#   idle  IDLE_SLAVES (default 500) agents of one master (generated master.yaml), all
#         attached; master CPU over IDLE_S (default 60) seconds, master RSS, agents' RSS
#
# Env knobs: NBUILDS=200 REPS=1 LAT_REPS=10 HISTORY=10000 SLAVE_COUNTS="1 4 16"
#            LOGTESTS=... IDLE_SLAVES=500 IDLE_S=60 PORT=29989 KEEP=1 (keep the work dir)
#            OUT=FILE (also append the JSON lines there)
#            WS_CLIENTS=N: N WebSocket subscribers (builds/*/*) of the master's gateway
#            (web on WEB_PORT=29990; WS_MAX_CLIENTS sets web.live.max_clients, needed past
#            256) held during the tput part, from bench_ws_fanout's `hold` mode
#            TLS=1: the master's port with a self-signed certificate (master.tls), the
#            agents and the driver trusting it (--ca): the same parts over TLS
#            PRELOAD=SO: LD_PRELOAD for the master, the agents and the driver (an experiment:
#            bench/tcp_nodelay_preload.c sets TCP_NODELAY on every connected socket; build
#            it with `gcc -shared -fPIC -O2 -o /tmp/nodelay.so bench/tcp_nodelay_preload.c -ldl`)
# Every process it starts is stopped by its own pid file; nothing else is touched.
set -euo pipefail

BUILD=${1:-build}
BIN=$(cd "$BUILD/bin" && pwd)
EB=$BIN/eventbot
SLAVE=$BIN/eventbot-slave
REPLAY=$BIN/eventbot-replay
DRIVER=$BIN/bench_builds
for b in "$EB" "$SLAVE" "$REPLAY" "$DRIVER"; do
    [ -x "$b" ] || { echo "missing $b (build eventbot eventbot-slave eventbot-replay bench_builds)" >&2; exit 1; }
done
PARTS=${PARTS:-"tput lat log hist idle"}
NBUILDS=${NBUILDS:-200}
REPS=${REPS:-1}
LAT_REPS=${LAT_REPS:-10}
HISTORY=${HISTORY:-10000}
SLAVE_COUNTS=${SLAVE_COUNTS:-"1 4 16"}
LOGTESTS=${LOGTESTS:-"seqlog b64log yeslog gblog"}
IDLE_SLAVES=${IDLE_SLAVES:-500}
IDLE_S=${IDLE_S:-60}
PORT=${PORT:-29989}
KEEP=${KEEP:-0}
OUT=${OUT:-}
PRELOAD=${PRELOAD:-}
TLS=${TLS:-0}
WS_CLIENTS=${WS_CLIENTS:-0}
WEB_PORT=${WEB_PORT:-29990}
WS_MAX_CLIENTS=${WS_MAX_CLIENTS:-}
[ -z "$PRELOAD" ] || export LD_PRELOAD=$PRELOAD

WORK=$(mktemp -d /tmp/ebbench.XXXXXX)
echo "work dir: $WORK"
STARTED_MASTERS=()   # master dirs we started
STARTED_SLAVES=()    # slave dirs we started
MASTER_TLS=""; CLIENT_TLS=()
if [ "$TLS" = 1 ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
        -subj /CN=bench -addext subjectAltName=IP:127.0.0.1 \
        -keyout "$WORK/tls.key" -out "$WORK/tls.pem" 2> /dev/null
    MASTER_TLS=", tls: {certificate: $WORK/tls.pem, key: $WORK/tls.key}"
    CLIENT_TLS=(--ca "$WORK/tls.pem")
fi

rec() { echo "  $1"; [ -z "$OUT" ] || echo "$1" >> "$OUT"; }
el() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.3f", b-a}'; }
kib() { awk -v f="$2:" '$1==f{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
mem() { echo "\"rss_kb\": $(kib "$1" VmRSS), \"hwm_kb\": $(kib "$1" VmHWM)"; }
cpu() { awk '{sub(/.*\) /, ""); split($0, f, " "); printf "%.2f", (f[12] + f[13]) / '"$(getconf CLK_TCK)"'}' "/proc/$1/stat"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
mpid() { cat "$1/eventbot.pid"; }
# alive PID: the process exists and has not exited (a daemon's zombie waits for init to reap
# it, which here can take a second: Buildbot's run_bench.sh counts a zombie as gone too)
alive() { [ -d "/proc/$1" ] && [ "$(awk '{sub(/.*\) /, ""); print $1}' "/proc/$1/stat" 2>/dev/null)" != Z ] && [ -e "/proc/$1/stat" ]; }
spid() { cat "$1/slave.pid"; }

stop_master() {  # by its pid file, waits until gone
    local d=$1 p
    p=$(cat "$d/eventbot.pid" 2>/dev/null || true)
    [ -n "$p" ] && alive "$p" || return 0
    kill -TERM "$p" 2>/dev/null || true
    while alive "$p"; do sleep 0.01; done
}
stop_slave() {
    local d=$1 p
    p=$(cat "$d/slave.pid" 2>/dev/null || true)
    [ -n "$p" ] && [ -d "/proc/$p" ] || return 0
    kill -TERM "$p" 2>/dev/null || true
}
cleanup() {
    set +e
    local d p
    for d in "${STARTED_SLAVES[@]}"; do stop_slave "$d"; done
    for d in "${STARTED_SLAVES[@]}"; do
        p=$(cat "$d/slave.pid" 2>/dev/null)
        [ -n "$p" ] && while [ -d "/proc/$p" ]; do sleep 0.05; done
    done
    for d in "${STARTED_MASTERS[@]}"; do stop_master "$d"; done
    [ "$KEEP" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# make_master DIR NSLAVES: master.yaml of the Buildbot benchmark's workload
make_master() {
    local d=$1 n=$2 i
    mkdir -p "$d"
    "$EB" create-master "$d" --slave-port "$PORT" > /dev/null
    local all
    all=$(seq -s, -f 's%g' 1 "$n")
    local gb
    gb=$(printf 'x%.0s' $(seq 1 99))
    {
        echo "title: ebbench"
        # Every agent dials from 127.0.0.1 at once: lift the per-address cap on
        # connections not yet logged in (docs/SECURITY.md, "The slave port").
        echo "master: {id: bench, slave_port: $PORT, durability: group, collapse_requests: false$MASTER_TLS, port_limits: {max_pending: 2000, max_pending_per_address: 2000}}"
        echo "slaves:"
        for i in $(seq 1 "$n"); do echo "  - {name: s$i, password: pass, max_builds: 4}"; done
        echo "change_sources:"
        echo "  - {type: sendchange, name: sendchange, user: change, password: changepw}"
        echo "schedulers:"
        for b in b0 b1 b2 b3 seqlog b64log yeslog gblog; do
            echo "  - {type: single_branch, name: sbs-$b, change_filter: {branch: $b}, builders: [$b]}"
        done
        echo "builders:"
        for b in b0 b1 b2 b3; do
            echo "  - {name: $b, slaves: [$all], steps: [{type: shell, name: 'true', command: ['true']}]}"
        done
        echo "  - {name: seqlog, slaves: [s1], steps: [{type: shell, name: seqlog, command: 'seq 1 200000'}]}"
        echo "  - {name: b64log, slaves: [s1], steps: [{type: shell, name: b64log, command: 'head -c 37500000 /dev/urandom | base64 -w 100'}]}"
        echo "  - {name: yeslog, slaves: [s1], steps: [{type: shell, name: yeslog, command: 'yes | head -c 50000000'}]}"
        echo "  - {name: gblog, slaves: [s1], steps: [{type: shell, name: gblog, command: 'yes $gb | head -c 1000000000'}]}"
        if [ "$WS_CLIENTS" -gt 0 ]; then
            if [ -n "$WS_MAX_CLIENTS" ]; then
                echo "web: {port: $WEB_PORT, live: {max_clients: $WS_MAX_CLIENTS}}"
            else
                echo "web: {port: $WEB_PORT}"
            fi
        fi
    } > "$d/master.yaml"
    "$EB" checkconfig "$d" > /dev/null
}
start_master() {  # START_S = seconds for `eventbot start` (returns once it accepts connections)
    local d=$1 t0 t1
    STARTED_MASTERS+=("$d")
    t0=$EPOCHREALTIME
    "$EB" start "$d" > "$d/start.out" 2>&1 || { cat "$d/start.out" >&2; return 1; }
    t1=$EPOCHREALTIME
    START_S=$(el "$t0" "$t1")
}
attached() {  # attached MASTER_DIR -> slaves attached now (SlaveAttached - SlaveDetached - SlaveMissing)
    "$REPLAY" "$1" list 2>/dev/null | awk '$4=="SlaveAttached"{a++} $4=="SlaveDetached"||$4=="SlaveMissing"{a--} END{print a+0}'
}
# start_slaves MASTER_DIR FIRST LAST: agents sFIRST..sLAST, waits until all are attached
start_slaves() {
    local d=$1 first=$2 last=$3 i s want
    for i in $(seq "$first" "$last"); do
        s=$WORK/slaves/s$i
        if [ ! -f "$s/slave.yaml" ]; then
            mkdir -p "$WORK/slaves"
            "$SLAVE" create-slave "$s" "127.0.0.1:$PORT" "s$i" pass "${CLIENT_TLS[@]}" > /dev/null
        fi
        "$SLAVE" start "$s" > /dev/null
        STARTED_SLAVES+=("$s")
    done
    want=$((last - first + 1))
    local t0=$SECONDS
    while [ "$(attached "$d")" -lt "$want" ]; do
        [ $((SECONDS - t0)) -lt 300 ] || { echo "slaves did not attach" >&2; return 1; }
        sleep 0.2
    done
}
stop_slaves() {  # stop_slaves FIRST LAST, waits until gone
    local i p
    for i in $(seq "$1" "$2"); do stop_slave "$WORK/slaves/s$i"; done
    for i in $(seq "$1" "$2"); do
        p=$(cat "$WORK/slaves/s$i/slave.pid" 2>/dev/null || true)
        [ -n "$p" ] && while alive "$p"; do sleep 0.05; done
    done
    return 0
}
slave_pids() { local i; for i in $(seq "$1" "$2"); do printf '%s+' "$(spid "$WORK/slaves/s$i")"; done | sed 's/+$//'; }
# appends_per_build MASTER_DIR KEY -> the store's appends per finished build, from the log:
# the events of one append share its time stamp (time_us), so distinct stamps count the
# appends (the changes', schedulers' and distributor's included).
appends_per_build() {
    "$REPLAY" "$1" export | python3 -c '
import json, sys
stamps, builds = set(), 0
for line in sys.stdin:
    event = json.loads(line)
    stamps.add(event.get("time_us"))
    builds += "build_finished" in event
print(json.dumps({"key": sys.argv[1], "appends": len(stamps), "builds": builds,
                  "appends_per_build": round(len(stamps) / max(builds, 1), 2)}))' "$2"
}

drive() {  # drive MASTER_DIR KEY ARGS...
    local d=$1 key=$2; shift 2
    "$DRIVER" drive --master "127.0.0.1:$PORT" --dir "$d" --key "$key" "${CLIENT_TLS[@]}" "$@"
}
addf() { sed "s/}\$/, $1}/"; }

rec "{\"key\": \"info\", \"load\": \"$(load)\", \"nproc\": $(nproc), \"commit\": \"$(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null)\", \"NBUILDS\": $NBUILDS, \"REPS\": $REPS, \"preload\": \"$PRELOAD\", \"tls\": $TLS}"

# ------------------------------------------------------------ tput (+ lat, log on 1 slave)
for n in $SLAVE_COUNTS; do
    case " $PARTS " in *" tput "*) ;; *" lat "*|*" log "*) [ "$n" = 1 ] || continue;; *) continue;; esac
    M=$WORK/master-$n
    make_master "$M" "$n"
    start_master "$M"; ms=$START_S
    start_slaves "$M" 1 "$n"
    sleep 2
    rec "{\"key\": \"startup_empty\", \"slaves\": $n, \"master_start_s\": $ms, $(mem "$(mpid "$M")")}"
    if [ "$n" = 1 ]; then
        rec "{\"key\": \"rss_idle\", $(mem "$(mpid "$M")")}"
        rec "{\"key\": \"rss_idle_slave\", $(mem "$(spid "$WORK/slaves/s1")")}"
    fi
    PIDS="m=$(mpid "$M"),w=$(slave_pids 1 "$n")"
    HOLDER=""
    if [ "$WS_CLIENTS" -gt 0 ]; then
        # WS_CLIENTS live subscribers (builds/*/*) of the master's gateway while it builds.
        "$BIN/bench_ws_fanout" hold "$WEB_PORT" "$WS_CLIENTS" 3600 > "$WORK/holder.out" 2>&1 &
        HOLDER=$!
        for _ in $(seq 1 600); do grep -q '^subscribed' "$WORK/holder.out" && break; sleep 0.05; done
        grep -q '^subscribed' "$WORK/holder.out" || { echo "the $WS_CLIENTS subscribers did not all subscribe:" >&2; cat "$WORK/holder.out" >&2; exit 1; }
    fi
    case " $PARTS " in *" tput "*)
        for r in $(seq 1 "$REPS"); do
            sleep 1
            rec "$(drive "$M" "tput_seq_s$n" --branches b0,b1,b2,b3 -n "$NBUILDS" --poll 0.05 --pids "$PIDS" | addf "\"slaves\": $n, \"load\": \"$(load)\", $(mem "$(mpid "$M")")")"
            sleep 1
            rec "$(drive "$M" "tput_pipe_s$n" --branches b0,b1,b2,b3 -n "$NBUILDS" --pipeline --poll 0.05 --pids "$PIDS" | addf "\"slaves\": $n, \"load\": \"$(load)\", $(mem "$(mpid "$M")")")"
        done
    esac
    if [ -n "$HOLDER" ]; then
        kill -TERM "$HOLDER"; wait "$HOLDER" || true
        rec "{\"key\": \"ws_subscribers\", \"slaves\": $n, \"clients\": $WS_CLIENTS, \"holder\": \"$(tail -1 "$WORK/holder.out")\"}"
    fi
    if [ "$n" = 1 ]; then
        case " $PARTS " in *" lat "*)
            for r in $(seq 1 "$LAT_REPS"); do
                sleep 0.5
                rec "$(drive "$M" latency --branches b0 -n 1 --poll 0.002 --pids "$PIDS" | addf "\"load\": \"$(load)\"")"
            done
        esac
        case " $PARTS " in *" log "*)
            for lk in $LOGTESTS; do
                case $lk in seqlog) bytes=1288895;; b64log) bytes=50500000;; yeslog) bytes=50000000;; gblog) bytes=1000000000;; esac
                for r in $(seq 1 "$REPS"); do
                    sleep 1
                    mp=$(mpid "$M"); sp=$(spid "$WORK/slaves/s1")
                    echo 5 > "/proc/$mp/clear_refs"; echo 5 > "/proc/$sp/clear_refs"
                    s0=$(du -sb "$M/events" | cut -f1)
                    j=$(drive "$M" "log_$lk" --branches "$lk" -n 1 --poll 0.02 --observe log --pids "m=$mp,w=$sp")
                    s1=$(du -sb "$M/events" | cut -f1)
                    tot=$(echo "$j" | sed 's/.*"total_s": \([0-9.]*\).*/\1/')
                    mbs=$(awk -v b="$bytes" -v t="$tot" 'BEGIN{printf "%.2f", b/1e6/t}')
                    rec "$(echo "$j" | addf "\"stdout_bytes\": $bytes, \"mb_per_s\": $mbs, \"store_growth_bytes\": $((s1 - s0)), \"load\": \"$(load)\", \"master\": {$(mem "$mp")}, \"slave\": {$(mem "$sp")}")"
                done
            done
        esac
    fi
    stop_slaves 1 "$n"
    stop_master "$M"
    rec "$(appends_per_build "$M" "appends_s$n")"
    rm -rf "$M"
done

# ------------------------------------------------------------ hist
case " $PARTS " in *" hist "*)
    M=$WORK/master-hist
    make_master "$M" 1
    start_master "$M"
    start_slaves "$M" 1 1
    done_builds=0
    while [ "$done_builds" -lt "$HISTORY" ]; do
        chunk=$((HISTORY - done_builds)); [ "$chunk" -le 1000 ] || chunk=1000
        rec "$(drive "$M" "history_chunk" --branches b0,b1,b2,b3 -n "$chunk" --pipeline --poll 0.1 --pids "m=$(mpid "$M"),w=$(spid "$WORK/slaves/s1")" | addf "\"load\": \"$(load)\"")"
        done_builds=$((done_builds + chunk))
    done
    sleep 2
    events=$("$REPLAY" "$M" stats 2>/dev/null | awk '/^head sequence:/{print $NF; exit}')
    rec "{\"key\": \"history\", \"builds\": $done_builds, \"store_bytes\": $(du -sb "$M/events" | cut -f1), \"events\": ${events:-0}, $(mem "$(mpid "$M")")}"
    for r in $(seq 1 "$REPS"); do
        stop_slaves 1 1
        t0=$EPOCHREALTIME; stop_master "$M"; t1=$EPOCHREALTIME
        st=$(el "$t0" "$t1")
        start_master "$M"; ms=$START_S
        after=$(mem "$(mpid "$M")")
        start_slaves "$M" 1 1
        sleep 5
        rec "{\"key\": \"startup_hist\", \"builds\": $done_builds, \"stop_s\": $st, \"master_start_s\": $ms, \"after_start\": {$after}, \"idle_5s\": {$(mem "$(mpid "$M")")}}"
    done
    stop_slaves 1 1
    stop_master "$M"
    rm -rf "$M"
esac

# ------------------------------------------------------------ idle
case " $PARTS " in *" idle "*)
    M=$WORK/master-idle
    make_master "$M" "$IDLE_SLAVES"
    start_master "$M"
    t0=$EPOCHREALTIME
    start_slaves "$M" 1 "$IDLE_SLAVES"
    t1=$EPOCHREALTIME
    sleep 10
    mp=$(mpid "$M")
    pids=$(slave_pids 1 "$IDLE_SLAVES" | tr + ' ')
    c0=$(cpu "$mp"); sc0=0; for p in $pids; do sc0=$(awk -v a="$sc0" -v b="$(cpu "$p")" 'BEGIN{print a+b}'); done
    sleep "$IDLE_S"
    c1=$(cpu "$mp"); sc1=0; for p in $pids; do sc1=$(awk -v a="$sc1" -v b="$(cpu "$p")" 'BEGIN{print a+b}'); done
    rss=$(for p in $pids; do kib "$p" VmRSS; done | sort -n)
    med=$(echo "$rss" | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
    tot=$(echo "$rss" | awk '{s+=$1} END{print s}')
    rec "{\"key\": \"idle_slaves\", \"slaves\": $IDLE_SLAVES, \"attach_all_s\": $(el "$t0" "$t1"), \"idle_s\": $IDLE_S, \"master_cpu_s\": $(el "$c0" "$c1"), \"slaves_cpu_s\": $(el "$sc0" "$sc1"), \"master_threads\": $(kib "$mp" Threads), \"slave_rss_kb_median\": $med, \"slave_rss_kb_total\": $tot, \"load\": \"$(load)\", $(mem "$mp")}"
    stop_slaves 1 "$IDLE_SLAVES"
    stop_master "$M"
esac
echo "done"
