#!/bin/sh
# Load-generator honesty: chaos-run's libcurl LoadLoop vs wrk -t1 against the
# same release preforkd (4 workers, lifetime 0, keep-alive, 32 connections,
# no faults), in one go. usage: chaos/bench-load.sh [BUILD_DIR] [SECONDS]
set -eu
bin=${1:-.build/release}
secs=${2:-10}
out=$(mktemp /tmp/bench-load.XXXXXX)
"$bin/preforkd" --port 0 --workers 4 --lifetime 0 > "$out" 2>/dev/null &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; rm -f "$out"' EXIT
i=0; until grep -q ready "$out" || [ $i -ge 100 ]; do sleep 0.1; i=$((i+1)); done
url=$(sed -n 's/.*url=\([^ ]*\).*/\1/p' "$out")
echo "wrk -t1 -c32 -d${secs}s $url"
wrk -t1 -c32 -d"${secs}s" "$url" | grep -E "Requests/sec|Latency"
kill -TERM $pid; wait $pid 2>/dev/null || true
for t in 1 2; do
    echo "chaos-run --faults none --load-threads $t (same settings)"
    "$bin/chaos-run" --duration "$secs" --workers 4 --lifetime 0 --concurrency 32 --keep-alive \
        --faults none --load-threads "$t" --quiet --report /tmp/bench-load-$t.json | grep -E "^requests:"
done
