#!/usr/bin/env bash
# profile.sh [keepalive|close|static4k|retire]: instructions per request of one
# preforkd worker, measured with callgrind (deterministic, unlike wall time on
# shared cores). Two runs with different request counts; the difference divided
# by the difference in requests removes start-up and shutdown costs.
# retire: user-space instructions of whole worker lifetimes instead (--lifetime 100,
# Connection: close requests, N=350): boot + 100 requests + exit per worker (median
# of the workers that served all 100) and the master's instructions per spawn.
# Subtract 100 x the close figure for the retirement itself (kernel work not included).
# Env: PREFORKD (default .build-bench/release/preforkd, what bench.sh builds), N1=300 N2=1300, OUT=dir.
# SYSCALLS=1: instead, syscalls per request of the worker, natively (no valgrind), by
# perf stat on syscall tracepoints (strace -c slows the worker enough to change how
# many connections one accept batch finds); N2 requests.
set -euo pipefail
B=$(cd "$(dirname "$0")" && pwd)
MODE=${1:-keepalive}
PREFORKD=${PREFORKD:-$B/../.build-bench/release/preforkd}
N1=${N1:-300} N2=${N2:-1300} PORT=${PORT:-18190}
OUT=${OUT:-$B/results/profile-$MODE}
mkdir -p "$OUT"
# valgrind 3.19 cannot read Swift 6.3's DWARF 5: profile a copy without debug info.
strip --strip-debug -o "$OUT/preforkd" "$PREFORKD"; PREFORKD=$OUT/preforkd
args=(--workers 1 --lifetime 0 --port "$PORT")
path=/hello.txt close=
case $MODE in
  keepalive) ;;
  close) close=close ;;
  static4k) "$B/mkfiles.sh" >/dev/null; args+=(--root "$B/www"); path=/4k.bin ;;
  retire) args=(--workers 1 --lifetime 100 --lifetime-jitter 0 --port "$PORT"); close=close ;;
  *) echo "usage: $0 [keepalive|close|static4k|retire]" >&2; exit 2 ;;
esac

# syscalls: per-request counts of the worker's syscalls, from perf stat.
syscalls() {
  local n=$N2 w i calls=(accept4 epoll_ctl epoll_wait read sendto close setsockopt shutdown poll write sendfile64)
  local ev=raw_syscalls:sys_enter c; for c in "${calls[@]}"; do ev+=",syscalls:sys_enter_$c"; done
  "$PREFORKD" "${args[@]}" > "$OUT/syscalls-server.log" 2>&1 &
  SERVER=$!
  trap 'kill -TERM "$SERVER" 2>/dev/null' EXIT
  for (( i = 0; i < 100; i++ )); do
    python3 "$B/reqloop.py" "$PORT" 1 "$path" 2>/dev/null >/dev/null && break; sleep 0.1
  done
  w=$(cat "/proc/$SERVER/task/$SERVER/children")
  perf stat -x, -e "$ev" -p "${w// /,}" -o "$OUT/syscalls.csv" & local sp=$!
  sleep 0.3
  python3 "$B/reqloop.py" "$PORT" "$n" "$path" $close > /dev/null
  sleep 0.2; kill -INT "$sp"; wait "$sp" || true
  kill -TERM "$SERVER"; wait "$SERVER" || true
  awk -F, -v n="$n" -v mode="$MODE" '$3 ~ /sys_enter/ { name = $3; sub(/.*sys_enter_?/, "", name); if (name == "") name = "all";
    if ($1 > 0) line = line sprintf(" %s=%.2f", name, $1 / n) } END { print "mode=" mode " syscalls per request:" line }' "$OUT/syscalls.csv" \
    | tee "$OUT/syscalls-per-request"
}
if [[ -n ${SYSCALLS:-} ]]; then syscalls; exit 0; fi

# run N: worker instruction total (Ir) for N requests; the callgrind file is kept.
run() {
  local n=$1 dir=$OUT/n$1 pid i
  rm -rf "$dir"; mkdir -p "$dir"
  valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$dir/cg.%p" ${ZERO:+"--zero-before=$ZERO"} \
    "$PREFORKD" "${args[@]}" > "$dir/server.log" 2>&1 &
  pid=$!
  for (( i = 0; i < 300; i++ )); do
    python3 "$B/reqloop.py" "$PORT" 1 "$path" 2>/dev/null >/dev/null && break; sleep 0.1
  done
  python3 "$B/reqloop.py" "$PORT" "$n" "$path" $close > /dev/null
  kill -TERM "$pid"; wait "$pid" || true
  # The worker's file is the one that is not the master's.
  local f; for f in "$dir"/cg.*; do
    [[ $f == "$dir/cg.$pid" ]] && continue
    awk '/^summary:/ { print $2 }' "$f"; echo "$f" > "$dir/worker-file"
  done
}
if [[ $MODE == retire ]]; then
  # A forked child's counters start as a copy of its parent's: zero them where the child's own code starts.
  ZERO='*WorkerSpawnerV8runChild*'
  run 350 > "$OUT/lifetimes"
  worker=$(head -3 "$OUT/lifetimes" | sort -n | sed -n 2p)  # the 4th worker served only 50
  first=$(ls "$OUT/n350"/cg.* | sort -V | head -1)  # the master started first: lowest pid
  master=$(awk '/^summary:/ { print $2 }' "$first")
  echo "mode=retire worker lifetime Ir (from WorkerSpawner.runChild: boot + 100 close requests + exit, median of 3): $worker; master Ir total: $master for 4 spawns (and start-up)"
  echo "$worker" > "$OUT/per-lifetime"
  exit 0
fi
a=$(run "$N1"); b=$(run "$N2")
per=$(( (b - a) / (N2 - N1) ))
echo "mode=$MODE worker Ir: N=$N1 -> $a, N=$N2 -> $b; per request: $per"
callgrind_annotate --inclusive=no "$(cat "$OUT/n$N2/worker-file")" 2>/dev/null | sed -n '1,60p' > "$OUT/top.txt" || true
echo "$per" > "$OUT/per-request"
