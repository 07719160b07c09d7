#!/usr/bin/env bash
# bench.sh [--quick]: preforkd side by side with nginx, apache2 prefork,
# gunicorn, the Perl seed design and unicorn, 4 workers each, same 40-byte
# body. Peers alternate within each round so drift hits all of them; the table
# reports medians over rounds and ratios to nginx from this one run.
# Writes $OUT/{raw.tsv,table.md,wrk/,curl/,run/} and docs/bench/{RESULTS-table.md,chart.svg}.
# Env: ROUNDS=3 DUR=4s KILLS=5 CURLDUR=4 UPGRADES=5 (0: none) ONLY="nginx preforkd" NO_SETUP=1 NO_BUILD=1
#      SCRATCH=dir (default .build-bench) PREFORKD=path CHAOS_RUN=path OUT=dir (default bench/results/DATE-TIME) NO_DOCS=1
# --quick: 1 round of 2 s runs, 2 kills, nginx and the preforkd variants only.
set -uo pipefail
B=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$B/.." && pwd)
if [[ ${1:-} == --quick ]]; then
  ROUNDS=${ROUNDS:-1} DUR=${DUR:-2s} KILLS=${KILLS:-2} CURLDUR=${CURLDUR:-2} UPGRADES=${UPGRADES:-2}
  ONLY=${ONLY:-nginx preforkd preforkd-root preforkd-l100} NO_DOCS=${NO_DOCS:-1}
fi
ROUNDS=${ROUNDS:-3} DUR=${DUR:-4s} KILLS=${KILLS:-5} CURLDUR=${CURLDUR:-4} ONLY=${ONLY:-}
OUT=${OUT:-$B/results/$(date +%Y%m%d-%H%M%S)} RUN=$OUT/run RAW=$OUT/raw.tsv
# The recommended build (scripts/release-build.sh): release, Swift runtime linked statically
# (--static-swift-stdlib: fewer relocated pages per process, so less RSS per worker and a
# cheaper fork), exclusivity checks off.
SCRATCH=${SCRATCH:-$ROOT/.build-bench}
PREFORKD=${PREFORKD:-$SCRATCH/release/preforkd}
CHAOS_RUN=${CHAOS_RUN:-$SCRATCH/release/chaos-run}
mkdir -p "$RUN" "$OUT/wrk" "$OUT/curl" && : > "$RAW"
source "$B/lib.sh"
init_nap

[[ -n ${NO_SETUP:-} ]] || "$B/setup.sh" >&2 || { echo "setup failed" >&2; exit 2; }
"$B/mkfiles.sh" > /dev/null
if [[ -z ${NO_BUILD:-} ]]; then
  # scripts/release-build.sh adds -enforce-exclusivity=unchecked (the shipped build's flags).
  ("$ROOT/scripts/release-build.sh" "$SCRATCH" --product preforkd >&2 \
    && "$ROOT/scripts/release-build.sh" "$SCRATCH" --product chaos-run >&2) || { echo "build failed" >&2; exit 2; }
fi

rec() { printf '%s\t%s\t%s\t%s\n' "$PEER" "$ROUND" "$1" "$2" >> "$RAW"; }
log() { echo "[$(date +%T)] $PEER r$ROUND: $*" >&2; }
has() { [[ ",$SCEN," == *",$1,"* ]]; }

start_peer() {  # uses PEER PORT CMD; sets MASTER
  # setsid: own session and process group (apache's master signals its whole group on shutdown).
  # A background job of a non-interactive shell is no group leader, so setsid does not fork: $! is the master.
  ( eval "exec setsid $CMD" ) >> "$RUN/$PEER.log" 2>&1 &
  MASTER=$!
  local i
  for (( i = 0; i < 150; i++ )); do http_ok "$PORT" && break; nap 0.1; done
  for (( i = 0; i < 50; i++ )); do kids_of "$MASTER"; (( ${#KIDS[@]} >= 4 )) && break; nap 0.1; done
  alive "$MASTER" && http_ok "$PORT"
}

stop_peer() {  # TERM, then KILL the master and its children (by pid)
  [[ -n ${MASTER:-} ]] || return 0
  alive "$MASTER" || { wait "$MASTER" 2>/dev/null; MASTER=; return 0; }
  kids_of "$MASTER"; kill -TERM "$MASTER" 2>/dev/null
  local i; for (( i = 0; i < 100; i++ )); do alive "$MASTER" || break; nap 0.1; done
  kill -KILL "$MASTER" "${KIDS[@]}" 2>/dev/null; wait "$MASTER" 2>/dev/null; MASTER=
}
trap 'stop_peer' EXIT
trap 'exit 130' INT TERM

wait_for_workers() {  # until the master has back as many live children as at start
  local i; for (( i = 0; i < 50; i++ )); do kids_of "$MASTER"; (( ${#KIDS[@]} >= NWORKERS )) && break; nap 0.1; done
}

ms() { echo "$(( $1 / 1000 )).$(( $1 % 1000 / 100 ))"; }

respawn_once() {  # SIGKILL the oldest worker; time until a new child exists AND a GET answers 200 (lifecycle.py)
  local fork ok
  read -r fork ok < <(python3 "$B/lifecycle.py" respawn "$MASTER" "$PORT")
  rec respawn_fork_ms "$fork"; rec respawn_ms "$ok"
  [[ ${ok%.*} -ge 10000 ]] && log "respawn: no new child answering within 10 s"
}

shutdown_once() {  # SIGTERM master while idle; time until master + all workers are gone and the port refuses
  local t
  read -r t < <(python3 "$B/lifecycle.py" shutdown "$MASTER" "$PORT")
  rec shutdown_ms "$t"
  wait "$MASTER" 2>/dev/null; MASTER=
}

wrk_into() {  # KEY FILE-TAG PATH [wrk args]: records KEY_rps KEY_p99_ms KEY_err KEY_req KEY_cpu_us
  # KEY_cpu_us: CPU (user + system) of all the server's processes per request answered, from
  # /proc before and after the run (cpu_ticks; wrk's own CPU is not in it).
  local key=$1 tag=$2 path=$3 rps p99 err n2 req t0 r0=-; shift 3
  [[ $PEER == preforkd* ]] && r0=$(status_counter "$PORT" retired)
  cpu_ticks "$MASTER"; t0=$TICKS
  read -r rps p99 err n2 req < <(run_wrk "$OUT/wrk/r$ROUND-$PEER-$tag.txt" "$PORT" "$DUR" "$path" "$@")
  cpu_ticks "$MASTER"
  rec "${key}_rps" "$rps"; rec "${key}_p99_ms" "$p99"; rec "${key}_err" "$(( err + n2 ))"; rec "${key}_req" "$req"
  (( req > 0 )) && rec "${key}_cpu_us" "$(awk -v t=$(( TICKS - t0 )) -v hz="$CLK_TCK" -v n="$req" 'BEGIN { printf "%.2f", t / hz * 1e6 / n }')"
  # Retirements during the run (preforkd's /__status counter): the retirement cost's divisor.
  [[ $r0 != - ]] && rec "${key}_retired" "$(( $(status_counter "$PORT" retired) - r0 ))"
  return 0
}

curl_round() {  # chaos-run's libcurl load loop, no faults: its own launch of the same command
  local port_cmd report="$OUT/curl/r$ROUND-$PEER" line
  local args=(--duration "$CURLDUR" --workers 4 --lifetime 0 --concurrency 16 --faults kill --kill-every 1000000
              --quiet --report "$report.json")
  case $PEER in
    preforkd) args+=(--preforkd "$PREFORKD") ;;
    nginx)    # chaos-run picks the port and puts it where {port} stands; the conf gets it through sed.
              mkdir -p "$RUN/curl-nginx"
              sed "s#@RUN@#$RUN/curl-nginx#g; s#@B@#$B#g" "$B/conf/nginx.conf.in" > "$RUN/curl-nginx/nginx.conf.in"
              args+=(-- bash -c "sed 's/@PORT@/{port}/' $RUN/curl-nginx/nginx.conf.in > $RUN/curl-nginx/nginx.conf && exec nginx -c $RUN/curl-nginx/nginx.conf -g 'daemon off;'") ;;
    *) return ;;
  esac
  "$CHAOS_RUN" "${args[@]}" > "$report.txt" 2>&1
  line=$(grep -m1 '^requests:' "$report.txt")
  [[ $line =~ \(([0-9.]+)\ req/s\) ]] && rec curl_rps "${BASH_REMATCH[1]}" || log "chaos-run: no requests line (see $report.txt)"
  line=$(grep -m1 '^steady' "$report.txt")
  [[ -n $line ]] && rec curl_p99_ms "$(awk '{ print $5 }' <<< "$line")"
}

kill_under_load() {  # SIGKILL one worker 1 s into a 3 s keep-alive run: errors seen by wrk
  local rps p99 err n2 req i
  run_wrk "$OUT/wrk/r$ROUND-$PEER-killload.txt" "$PORT" 3s /hello.txt > "$RUN/killload.res" &
  local wp=$!; nap 1
  for (( i = 0; i < 5; i++ )); do  # a worker may exit by itself between the scan and the kill
    kids_of "$MASTER"; kill -KILL "${KIDS[0]}" 2>/dev/null && break
  done
  wait "$wp"
  read -r rps p99 err n2 req < "$RUN/killload.res"; rec kill_load_err "$(( err + n2 ))"
}

close_round() {  # Connection: close -c16; for preforkd also fairness (fairness.py over /__status)
  local fp= worst med n
  if [[ $PEER == preforkd* ]]; then
    python3 "$B/fairness.py" "$PORT" "${DUR%s}" > "$RUN/fair.res" & fp=$!
  fi
  wrk_into close close /hello.txt -H 'Connection: close'
  [[ -n $fp ]] || return 0
  wait "$fp"; read -r worst med n < "$RUN/fair.res"
  # "inf": a worker answered nothing in some window. Other peers: no per-worker counts (n/a).
  (( n > 0 )) && { rec fair_worst "$worst"; rec fair_median "$med"; }
  return 0
}

one_round() {  # all scenarios of one peer
  local rss pss i
  has curl && [[ -z ${NO_CURL:-} ]] && curl_round
  start_peer || { log "did not start (see $RUN/$PEER.log)"; stop_peer; return; }
  kids_of "$MASTER"; NWORKERS=${#KIDS[@]}; rec workers "$NWORKERS"
  run_wrk "$OUT/wrk/r$ROUND-$PEER-warmup.txt" "$PORT" 1s /hello.txt > /dev/null
  if has ka; then
    wrk_into ka16 ka16 /hello.txt
    wrk_into ka256 ka256 /hello.txt -c256
  fi
  if has life; then
    nap 0.3; wait_for_workers; read -r rss pss < <(rss_pss "${KIDS[@]}")
    rec rss_kb "$rss"; rec pss_kb "$pss"
  fi
  has close && close_round
  if has static; then
    wrk_into st4k st4k /4k.bin
    wrk_into st1m st1m /1m.bin
  fi
  if has life; then
    kill_under_load
    for (( i = 0; i < KILLS; i++ )); do wait_for_workers; nap 0.3; respawn_once; done
    wait_for_workers; nap 0.3; shutdown_once
  fi
  stop_peer
  log "done"
}

mapfile -t LINES < <(grep -Ev '^[[:space:]]*(#|$)' "${PEERS_FILE:-$B/peers.list}")
T0=$SECONDS
for (( ROUND = 1; ROUND <= ROUNDS; ROUND++ )); do
  for line in "${LINES[@]}"; do
    read -r PEER PORT SCEN CMD <<< "$line"
    [[ -n $ONLY && " $ONLY " != *" $PEER "* ]] && continue
    log "start"; one_round
  done
done
trap - EXIT
# Upgrade hand-over (USR2 -> old master gone), 4 workers, under wrk load: bench/upgrade.sh, once per run.
if (( ${UPGRADES:-5} > 0 )); then
  peers=; for p in preforkd nginx; do [[ -z $ONLY || " $ONLY " == *" $p "* ]] && peers+=" $p"; done
  if [[ -n $peers ]]; then
    echo "[$(date +%T)] upgrades: $peers" >&2
    COUNT=${UPGRADES:-5} ONLY="$peers" NO_BUILD=1 PREFORKD="$PREFORKD" OUT="$OUT/upgrade" "$B/upgrade.sh" > /dev/null 2>&1 \
      || echo "upgrade.sh failed (see $OUT/upgrade)" >&2
    awk -F'\t' -v OFS='\t' '{ print $1, 1, "upgrade_ms", $3; print $1, 1, "upgrade_err", $5 }' "$OUT/upgrade/raw.tsv" >> "$RAW" 2>/dev/null
  fi
fi
{
  echo "Run: $(date -u +%Y-%m-%dT%H:%MZ), $ROUNDS round(s), wrk -t1 $DUR per scenario, $(( SECONDS - T0 )) s."
  echo
  "$B/summarize.sh" "$RAW"
} | tee "$OUT/table.md"
"$B/chart.sh" "$RAW" > "$OUT/chart.svg"
if [[ -z ${NO_DOCS:-} ]]; then
  mkdir -p "$ROOT/docs/bench"
  cp "$OUT/table.md" "$ROOT/docs/bench/RESULTS-table.md"
  cp "$OUT/chart.svg" "$ROOT/docs/bench/chart.svg"
  cp "$RAW" "$ROOT/docs/bench/raw.tsv"
  echo "wrote docs/bench/{RESULTS-table.md,chart.svg,raw.tsv}" >&2
fi
