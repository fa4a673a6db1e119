#!/usr/bin/env bash
# Runs RocksDB's own db_bench (the yardstick) and bench_store in one go, on the same
# disk, and prints each of our figures beside it with the ratio. Figures on a shared
# machine are noisy: compare the ratios of one run, not figures of different runs.
#
#   bench/store_vs_db_bench.sh [BUILD_DIR]      (default: build)
# Environment: EVENTBOT_BENCH_DIR (scratch directory, default /tmp),
#              REPS (repetitions of each benchmark, default 3; medians are reported).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
scratch=${EVENTBOT_BENCH_DIR:-/tmp}
reps=${REPS:-3}
out=$(mktemp -d "$scratch/eventbot-compare-XXXXXX")
trap 'rm -rf "$out"' EXIT

command -v db_bench >/dev/null || { echo "db_bench missing: apt-get install rocksdb-tools" >&2; exit 1; }
[ -x "$build/bin/bench_store" ] || { echo "build $build/bin/bench_store first" >&2; exit 1; }

# fillbatch: 100 per batch, 200-byte values; readseq over the same million entries.
for i in $(seq 1 "$reps"); do
  db_bench --db="$out/db_bench" --benchmarks=fillbatch,readseq --num=1000000 --value_size=200 \
    --batch_size=100 --compression_type=snappy --threads=1 2>/dev/null |
    awk '/^(fillbatch|readseq) /{print $1, $5}' >> "$out/db_bench.txt"
  # db_bench with a synced WAL, one put per write: the cost of one fsync here.
  db_bench --db="$out/db_bench_sync" --benchmarks=fillseq --num=2000 --value_size=200 --sync=1 \
    2>/dev/null | awk '/^fillseq /{print "fillsync", $5}' >> "$out/db_bench.txt"
  rm -rf "$out/db_bench" "$out/db_bench_sync"
done

EVENTBOT_BENCH_DIR="$out" "$build/bin/bench_store" --benchmark_repetitions="$reps" \
  --benchmark_report_aggregates_only=true --benchmark_format=json \
  --benchmark_out="$out/bench_store.json" --benchmark_out_format=json >/dev/null

python3 - "$out/db_bench.txt" "$out/bench_store.json" <<'PY'
import json, statistics, sys
yard = {}
for line in open(sys.argv[1]):
    name, ops = line.split()
    yard.setdefault(name, []).append(float(ops))
yard = {k: statistics.median(v) for k, v in yard.items()}
ours = {}
for b in json.load(open(sys.argv[2]))["benchmarks"]:
    if b.get("aggregate_name") == "median":
        ours[b["run_name"]] = b["items_per_second"]

def fmt(x):
    return f"{x/1e6:.2f} M/s" if x >= 1e6 else f"{x/1e3:.1f} k/s"

print("| what | ours (median) | yardstick (median) | ratio | target |")
print("|---|---|---|---|---|")
rows = [
    ("Append, 100 per batch, unsynced", "BM_Append/batch:100/durability:2/real_time", "fillbatch", ">= 0.50"),
    ("Append, 100 per batch, group commit", "BM_Append/batch:100/durability:1/real_time", "fillbatch", ""),
    ("Append, 1 per batch, synced", "BM_Append/batch:1/durability:0/real_time", "fillsync", ""),
    ("Replay (scan + parse), 1M events", "BM_Replay/real_time", "readseq", ">= 0.70"),
]
for label, ours_name, yard_name, target in rows:
    o, y = ours.get(ours_name), yard.get(yard_name)
    if o and y:
        print(f"| {label} | {fmt(o)} | {yard_name} {fmt(y)} | {o/y:.2f} | {target} |")
single = ours.get("BM_Append/batch:1/durability:0/real_time")
group = ours.get("BM_AppendConcurrent/durability:1/real_time/threads:64")
if single and group:
    print(f"| Group commit, 64 writers, 1 event each | {fmt(group)} | one synced writer {fmt(single)} | {group/single:.1f}x | >= 20x |")
for name, value in sorted(ours.items()):
    if "LogChunk" in name:
        print(f"| {name} | {value/1e6:.1f} MB/s | | | >= 100 MB/s |")
PY
