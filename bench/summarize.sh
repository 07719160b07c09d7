#!/usr/bin/env bash
# summarize.sh RAW.tsv: markdown tables (medians over rounds) from bench.sh samples.
# RAW lines: peer <TAB> round <TAB> metric <TAB> value. Ratios are to nginx.
set -uo pipefail
RAW=$1
source "$(dirname "$0")/lib.sh"
vals() { awk -F'\t' -v p="$1" -v m="$2" '$1 == p && $3 == m { print $4 }' "$RAW"; }
med()  { vals "$1" "$2" | median; }
sum()  { vals "$1" "$2" | awk '{ s += $1 } END { print s + 0 }'; }
each() { vals "$1" "$2" | paste -sd/; }
span() { vals "$1" "$2" | sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "%s–%s", v[1], v[NR] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a != "-") printf "%.2f", a / b; else print "-" }'; }
round0() { awk -v a="$1" 'BEGIN { if (a == "-") print a; else printf "%.0f", a }'; }
has() { [[ -n $(vals "$1" "$2") ]]; }
REF=nginx
mapfile -t PEERS < <(cut -f1 "$RAW" | awk '!seen[$0]++')
# rps_cell PEER METRIC: "req/s | ×nginx | p99"
cell() { local v; v=$(med "$1" "$2_rps"); echo "$(round0 "$v") | $(ratio "$v" "$(med "$REF" "$2_rps")") | $(med "$1" "$2_p99_ms")"; }

echo "### Throughput, 40-byte body (wrk -t1; median of $(vals "$REF" ka16_rps | wc -l) rounds; × = ratio to nginx in the same run)"
echo
echo "| peer | keep-alive -c16 req/s | × | p99 ms | keep-alive -c256 req/s | × | p99 ms | Connection: close -c16 req/s | × | p99 ms | errors (all runs) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for p in "${PEERS[@]}"; do
  has "$p" ka16_rps || continue
  if has "$p" close_rps; then c=$(cell "$p" close); else c="- | - | -"; fi
  echo "| $p | $(cell "$p" ka16) | $(cell "$p" ka256) | $c | $(( $(sum "$p" ka16_err) + $(sum "$p" ka256_err) + $(sum "$p" close_err) )) |"
done
echo
echo "preforkd serves the seed body (\"This child has served N requests.\", 37–45 bytes) plus X-Worker-* headers;"
echo "preforkd-root serves bench/www/hello.txt (the peers' 40 bytes) as a static file; preforkd-l100 is the seed with --lifetime 100."
echo
echo "### Static files (wrk -t1 -c16 keep-alive)"
echo
echo "| peer | 4 KiB req/s | × | p99 ms | 1 MiB req/s | × | p99 ms | 1 MiB MB/s | errors |"
echo "|---|---|---|---|---|---|---|---|---|"
for p in "${PEERS[@]}"; do
  has "$p" st4k_rps || continue
  echo "| $p | $(cell "$p" st4k) | $(cell "$p" st1m) | $(awk -v r="$(med "$p" st1m_rps)" 'BEGIN { printf "%.0f", r * 1.048576 }') | $(( $(sum "$p" st4k_err) + $(sum "$p" st1m_err) )) |"
done
echo
echo "### libcurl load loop (chaos-run, 16 concurrent keep-alive handles, no faults, same run)"
echo
echo "| peer | req/s | × | p99 ms |"
echo "|---|---|---|---|"
for p in "${PEERS[@]}"; do
  has "$p" curl_rps || continue
  echo "| $p | $(cell "$p" curl) |"
done
echo
echo "### Lifecycle (respawn: median of all SIGKILLs; shutdown and memory: median of rounds)"
echo
echo "| peer | respawn ms (SIGKILL → new child answers) | range | new child seen ms | shutdown ms (idle, TERM → all gone, port refused) | per round | RSS kB / worker | PSS kB / worker | errors with SIGKILL under load (per round) |"
echo "|---|---|---|---|---|---|---|---|---|"
for p in "${PEERS[@]}"; do
  has "$p" respawn_ms || continue
  echo "| $p | $(med "$p" respawn_ms) | $(span "$p" respawn_ms) | $(med "$p" respawn_fork_ms) | $(med "$p" shutdown_ms) | $(each "$p" shutdown_ms) | $(med "$p" rss_kb) | $(med "$p" pss_kb) | $(each "$p" kill_load_err) |"
done
echo
# Targets of issue 6 for preforkd.
P=preforkd
met() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { if (a == "-" || a == "") { print "n/a"; exit }
  ok = (op == ">=") ? (a + 0 >= b + 0) : (a + 0 <= b + 0); print ok ? "met" : "**missed**" }'; }
r() { ratio "$(med "$1" "$2_rps")" "$(med "$REF" "$2_rps")"; }
p99ok() { awk -v a="$(med "$P" "$1_p99_ms")" -v b="$(med "$REF" "$1_p99_ms")" 'BEGIN { if (a == "-" || b == "-") print "n/a"; else print (a + 0 <= b + 0) ? "met" : "**missed**" }'; }
lt=$(ratio "$(med preforkd-l100 ka16_rps)" "$(med "$P" ka16_rps)")
echo "### Targets (issue 6)"
echo
echo "| target | measured | result |"
echo "|---|---|---|"
echo "| keep-alive -c16 ≥ 1.1× nginx | $(r "$P" ka16)× | $(met "$(r "$P" ka16)" '>=' 1.1) |"
echo "| keep-alive -c16 p99 ≤ nginx | $(med "$P" ka16_p99_ms) vs $(med "$REF" ka16_p99_ms) ms | $(p99ok ka16) |"
echo "| keep-alive -c256 ≥ 1.1× nginx | $(r "$P" ka256)× | $(met "$(r "$P" ka256)" '>=' 1.1) |"
echo "| keep-alive -c256 p99 ≤ nginx | $(med "$P" ka256_p99_ms) vs $(med "$REF" ka256_p99_ms) ms | $(p99ok ka256) |"
echo "| Connection: close ≥ 1.1× nginx | $(r "$P" close)× | $(met "$(r "$P" close)" '>=' 1.1) |"
echo "| respawn median ≤ 1.5 ms | $(med "$P" respawn_ms) ms | $(met "$(med "$P" respawn_ms)" '<=' 1.5) |"
echo "| idle shutdown on TERM ≤ 5 ms | $(med "$P" shutdown_ms) ms | $(met "$(med "$P" shutdown_ms)" '<=' 5) |"
echo "| RSS ≤ 4 MB per worker | $(med "$P" rss_kb) kB | $(met "$(med "$P" rss_kb)" '<=' 4096) |"
echo "| PSS ≤ 1 MB per worker | $(med "$P" pss_kb) kB | $(met "$(med "$P" pss_kb)" '<=' 1024) |"
echo "| static 4 KiB ≥ 1.0× nginx | $(r preforkd-root st4k)× | $(met "$(r preforkd-root st4k)" '>=' 1.0) |"
echo "| static 1 MiB ≥ 1.0× nginx | $(r preforkd-root st1m)× | $(met "$(r preforkd-root st1m)" '>=' 1.0) |"
echo "| lifetime 100 keep-alive ≥ 0.9× lifetime 0 | ${lt}× | $(met "$lt" '>=' 0.9) |"
echo "| libcurl loop (not a target) | $(r "$P" curl)× nginx | - |"
