#!/usr/bin/env bash
# upgrade.sh: COUNT (100) zero-downtime binary upgrades of preforkd (USR2)
# under wrk load (-t2 -c16 keep-alive, full speed), then the same for nginx
# (USR2, then QUIT to the old master), 4 workers each. Per upgrade: wrk errors
# + non-2xx (must be 0), hand-over time (USR2 -> old master gone), throughput
# of the 2 s wrk window holding the hand-over against windows without one,
# extra PSS of the server's session during the overlap. A benchmark, not a
# test: it prints and writes figures, it asserts only that every upgrade
# completed.
# Env: COUNT=100 ONLY="preforkd nginx" PREFORKD=path (default: release build
#      in .build-bench) NO_BUILD=1 OUT=dir (default bench/results/upgrade-DATE)
#      WINDOW=2s BASE_EVERY=5
set -uo pipefail
B=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$B/.." && pwd)
COUNT=${COUNT:-100} ONLY=${ONLY:-preforkd nginx}
SCRATCH=${SCRATCH:-$ROOT/.build-bench}
PREFORKD=${PREFORKD:-$SCRATCH/release/preforkd}
OUT=${OUT:-$B/results/upgrade-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT" && : > "$OUT/raw.tsv"
command -v wrk >/dev/null || { echo "wrk missing: apt-get install wrk (or bench/setup.sh)" >&2; exit 2; }
if [[ -z ${NO_BUILD:-} ]]; then
  "$ROOT/scripts/release-build.sh" "$SCRATCH" --product preforkd >&2 \
    || { echo "build failed" >&2; exit 2; }
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_pid() { for _ in $(seq 200); do [[ -s $1 ]] && return 0; sleep 0.05; done; return 1; }
stop_all() {  # TERM whatever master the pid file names now, then the session's leftovers
  local pid; pid=$(cat "$1" 2>/dev/null) && kill -TERM "$pid" 2>/dev/null
  sleep 1; [[ -n ${SID:-} ]] && pkill -KILL -s "$SID" 2>/dev/null; true
}
summary=()
for kind in $ONLY; do
  port=$(free_port) run="$OUT/$kind" && mkdir -p "$run"
  case $kind in
    preforkd)
      # A copy at the started path: USR2 re-executes this file.
      cp "$PREFORKD" "$run/preforkd"
      setsid "$run/preforkd" --port "$port" --workers 4 --lifetime 0 --pid-file "$run/pid" \
        --log-file "$run/events.log" > "$run/stdout" 2>&1 < /dev/null &
      ;;
    nginx)
      sed "s#@RUN@#$run#g; s#@B@#$B#g; s#@PORT@#$port#g" "$B/conf/nginx.conf.in" > "$run/nginx.conf"
      # Daemonized (the default): a foreground nginx ignores USR2 while its
      # parent is the one it started with (it takes itself for the new binary).
      /usr/sbin/nginx -c "$run/nginx.conf" > "$run/stdout" 2>&1 < /dev/null
      ;;
  esac
  pidfile=$run/pid; [[ $kind == nginx ]] && pidfile=$run/nginx.pid
  wait_pid "$pidfile" || { echo "$kind did not start" >&2; cat "$run/stdout" >&2; exit 1; }
  sleep 1
  SID=$(awk '{print $6}' "/proc/$(cat "$pidfile")/stat")
  WINDOW=${WINDOW:-2s} BASE_EVERY=${BASE_EVERY:-5} python3 "$B/upgrade.py" "$kind" "$port" "$pidfile" "$COUNT" "$OUT/raw.tsv" \
    | tee "$run/upgrade.txt" | grep -E "^$kind upgrades=|errors [1-9]" >&2
  summary+=("$(grep "^$kind upgrades=" "$run/upgrade.txt")")
  stop_all "$pidfile"
done
printf '%s\n' "${summary[@]}" | tee "$OUT/summary.txt"
echo "raw: $OUT/raw.tsv" >&2
