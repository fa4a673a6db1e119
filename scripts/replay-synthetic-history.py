#!/usr/bin/env python3
# Writes N synthetic events as `eventbot-replay export` lines (builds of builder
# "runtests": BuildStarted, ten 100-byte LogChunks, BuildFinished), for measuring
# `import`, `verify` and `export` on a large store (docs/PERFORMANCE.md).
# Usage: scripts/replay-synthetic-history.py 1000000 > history.jsonl
import base64, json, sys
n = int(sys.argv[1])
seq = 0
t = 1795338000000000
data = base64.b64encode((b"compiling something.c and linking it\n" * 3)[:100]).decode()
out = sys.stdout
b = 0
while seq < n:
    b += 1
    def ev(stream, ver, body):
        global seq, t
        seq += 1; t += 1000
        d = {"sequence": str(seq), "time_us": str(t), "master_id": "m1", "stream": stream, "stream_version": str(ver)}
        d.update(body)
        out.write(json.dumps(d, separators=(",", ":")) + "\n")
    ev(f"build/runtests/{b}", 1, {"build_started": {"builder": "runtests", "number": b, "slave": "s1"}})
    for i in range(1, 11):
        ev(f"log/runtests/{b}/0/stdio", i, {"log_chunk": {"size": 100, "data": data, "offset": str((i-1)*100)}})
    ev(f"build/runtests/{b}", 2, {"build_finished": {"builder": "runtests", "number": b}})
