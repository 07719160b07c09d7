#!/usr/bin/env bash
# retire-cost.sh: CPU per request and per retirement of preforkd, by
# `perf stat -e task-clock` on the master and its workers (counters inherited
# by every worker forked during the run, so retired workers are counted with
# nanosecond precision, unlike /proc's clock ticks). Alternates --lifetime 0
# and --lifetime $LIFETIME, ROUNDS times each, under wrk -t1 -c16 keep-alive
# for DUR. CPU time is robust on a shared machine where wall-clock
# throughput is not (it still grows somewhat with cache contention).
# Prints per run: lifetime, requests, retirements, CPU µs per request; then
# the CPU per retirement from the medians:
#   (cpu/req(LIFETIME) - cpu/req(0)) * requests / retirements.
# Env: PREFORKD (default .build-bench/release/preforkd) ROUNDS=3 DUR=5s LIFETIME=100 PORT=18310 ARGS= (extra flags)
set -uo pipefail
B=$(cd "$(dirname "$0")" && pwd)
PREFORKD=${PREFORKD:-$B/../.build-bench/release/preforkd}
ROUNDS=${ROUNDS:-3} DUR=${DUR:-5s} LIFETIME=${LIFETIME:-100} PORT=${PORT:-18310}
source "$B/lib.sh"
RUN=$(mktemp -d) && init_nap
SERVER= PERF=
cleanup() { [[ -n $PERF ]] && kill -INT "$PERF" 2>/dev/null; [[ -n $SERVER ]] && kill -TERM "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$RUN"; }
trap cleanup EXIT

one() {  # LIFETIME: prints "lifetime requests retirements cpu_us_per_request"
  local i r0 r1 req ms
  "$PREFORKD" --workers 4 --lifetime "$1" --port "$PORT" ${ARGS:-} > "$RUN/server.log" 2>&1 &
  SERVER=$!
  for (( i = 0; i < 100; i++ )); do http_ok "$PORT" && break; nap 0.1; done
  run_wrk "$RUN/warm.txt" "$PORT" 1s /hello.txt > /dev/null
  kids_of "$SERVER"; r0=$(status_counter "$PORT" retired)
  local pids; pids=$(IFS=,; echo "$SERVER,${KIDS[*]}")
  perf stat -x, -e task-clock -p "$pids" -o "$RUN/perf.csv" & PERF=$!
  nap 0.2
  read -r _ _ _ _ req < <(run_wrk "$RUN/wrk.txt" "$PORT" "$DUR" /hello.txt)
  kill -INT "$PERF"; wait "$PERF"; PERF=
  r1=$(status_counter "$PORT" retired)
  kill -TERM "$SERVER"; wait "$SERVER"; SERVER=
  ms=$(awk -F, '$3 == "task-clock" { print $1 }' "$RUN/perf.csv")
  awk -v l="$1" -v n="$req" -v k=$(( r1 - r0 )) -v ms="$ms" 'BEGIN { printf "%s %d %d %.2f\n", l, n, k, ms * 1000 / n }'
}

: > "$RUN/all"
for (( round = 1; round <= ROUNDS; round++ )); do
  one 0 | tee -a "$RUN/all"
  one "$LIFETIME" | tee -a "$RUN/all"
done
awk -v L="$LIFETIME" '
  function med(a, n,    i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  $1 == 0 { c0[++n0] = $4 } $1 == L { c1[++n1] = $4; nr += $2; kr += $3 }
  END { m0 = med(c0, n0); m1 = med(c1, n1)
    printf "cpu/request: lifetime 0 %.2f us, lifetime %s %.2f us (medians of %d); retirements per 1000 requests %.2f; ", m0, L, m1, n0, kr * 1000 / nr
    printf "CPU per retirement %.3f ms\n", (m1 - m0) * nr / kr / 1000 }' "$RUN/all"
