# Helpers for bench.sh. Process/socket polling uses bash builtins only
# (no fork per poll), so the timed loops do not steal CPU from the server.

now_us() { local t=$EPOCHREALTIME; NOW=$(( ${t%.*} * 1000000 + 10#${t#*.} )); }

# nap SECONDS: sleep without forking (read on a fifo that never gets data).
nap() { read -r -t "$1" -u "$NAPFD" _ || true; }
init_nap() { rm -f "$RUN/nap.fifo"; mkfifo "$RUN/nap.fifo"; exec {NAPFD}<>"$RUN/nap.fifo"; }

# render FILE.in: substitute @PORT@ @RUN@ @B@, print the path of the result.
render() { sed "s#@PORT@#$PORT#g; s#@RUN@#$RUN#g; s#@B@#$B#g" "$B/conf/$1.in" > "$RUN/$1"; echo "$RUN/$1"; }

# proc_info PID: sets P_STATE, P_PPID, P_TGID; false if gone.
# Reads the whole file (-d ''): a partial read of a /proc file can leave stale
# data in bash's read buffer that a later `read` then returns.
proc_info() {
  local s= t; P_STATE= P_PPID= P_TGID=
  read -r -d '' s 2>/dev/null < "/proc/$1/status"
  [[ $s == *PPid:* ]] || return 1
  t=${s#*State:?}; P_STATE=${t:0:1}
  t=${s#*Tgid:?};  t=${t:0:12}; P_TGID=${t%%$'\n'*}
  t=${s#*PPid:?};  t=${t:0:12}; P_PPID=${t%%$'\n'*}
}
alive() { proc_info "$1" && [[ $P_STATE != Z ]]; }

# kids_of PID: sets KIDS (live children) and ZOMBIES (zombie children). Full /proc scan (~10 ms).
kids_of() {
  local f s rest st pp; KIDS=() ZOMBIES=()
  for f in /proc/[0-9]*/stat; do
    s=; read -r -d '' s 2>/dev/null < "$f"; [[ -n $s ]] || continue
    rest=${s##*) }; st=${rest%% *}; rest=${rest#* }; pp=${rest%% *}
    [[ $pp == "$1" ]] || continue
    f=${f#/proc/}; f=${f%/stat}
    if [[ $st == Z ]]; then ZOMBIES+=("$f"); else KIDS+=("$f"); fi
  done
}

# new_kids_of PID: sets NEWKIDS to live children of PID among the pids allocated
# since the previous call (cheap: reads ns_last_pid, then only the new pids).
LASTPID=
new_kids_of() {
  local last p; NEWKIDS=()
  read -r -d '' last < /proc/sys/kernel/ns_last_pid
  [[ -z $LASTPID ]] && LASTPID=$last
  for (( p = LASTPID + 1; p <= last; p++ )); do
    alive "$p" && [[ $P_PPID == "$1" && $P_TGID == "$p" ]] && NEWKIDS+=("$p")
  done
  LASTPID=$last
}

# http_ok PORT: one GET over /dev/tcp; true on a 200 status line.
http_ok() {
  local fd line _
  { exec {fd}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'GET /hello.txt HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&"$fd"
  read -r -t 2 -u "$fd" line
  while read -r -t 2 -u "$fd" _; do :; done
  exec {fd}>&-
  [[ $line == *" 200 "* ]]
}
port_listening() { local fd; { exec {fd}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null && exec {fd}>&-; }

# cpu_ticks MASTER: sets TICKS to the CPU time (clock ticks, utime+stime) of MASTER and every
# child of it, live or zombie, plus what MASTER's reaped children left in its cutime+cstime:
# all of a prefork server's processes, including workers that exited during the run.
# Workers that exit and are reaped between two samples move from the children's sum into
# cutime, so nothing is counted twice or lost (a child of a child, e.g. apache's, is not seen).
cpu_ticks() {
  local s f rest a; TICKS=0
  kids_of "$1"
  for f in "$1" "${KIDS[@]}" "${ZOMBIES[@]}"; do
    s=; read -r -d '' s 2>/dev/null < "/proc/$f/stat"; [[ -n $s ]] || continue
    rest=${s##*) }; read -r -a a <<< "$rest"
    # after "comm)": state=a[0] ... utime=a[11] stime=a[12] cutime=a[13] cstime=a[14]
    (( TICKS += a[11] + a[12] ))
    [[ $f == "$1" ]] && (( TICKS += a[13] + a[14] ))
  done
}
CLK_TCK=$(getconf CLK_TCK)

# status_counter PORT NAME: a counter of preforkd's /__status ("retired", "spawned"...); "-" if none.
status_counter() {
  local fd body= line
  { exec {fd}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || { echo -; return; }
  printf 'GET /__status HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&"$fd"
  while read -r -t 2 -u "$fd" line; do body+=$line; done
  exec {fd}>&-
  [[ $body =~ \"$2\":([0-9]+) ]] && echo "${BASH_REMATCH[1]}" || echo -
}

# run_wrk OUTFILE PORT DURATION PATH [wrk args]: prints "req/s p99_ms socket_errors non2xx requests".
# Later wrk args win (-c256 overrides the default -c16).
run_wrk() {
  local out=$1 port=$2 dur=$3 path=$4; shift 4
  wrk -t1 -c16 -d"$dur" --latency "$@" "http://127.0.0.1:$port$path" > "$out" 2>&1
  awk '
    /Requests\/sec:/ { rps = $2 }
    /^ +99%/ { v = $2; u = v; sub(/[a-z]+$/, "", v); sub(/^[0-9.]+/, "", u)
               p99 = v * (u == "us" ? 0.001 : u == "s" ? 1000 : u == "m" ? 60000 : 1) }
    /Socket errors:/ { gsub(/,/, ""); err = $4 + $6 + $8 + $10 }
    /Non-2xx/ { n2 = $NF }
    / requests in / { req = $1 }
    END { printf "%s %.2f %d %d %d\n", (rps == "" ? 0 : rps), p99, err, n2, req }' "$out"
}

# median: median of the numbers on stdin ("-" if none).
median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# rss_pss PID...: prints "median_VmRSS_kB median_Pss_kB" over the given pids.
rss_pss() {
  local p rss=() pss=()
  for p; do
    rss+=("$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null)")
    pss+=("$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null)")
  done
  echo "$(printf '%s\n' "${rss[@]}" | median) $(printf '%s\n' "${pss[@]}" | median)"
}
