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
cpu() { local v; v=$(med "$1" "$2_cpu_us"); echo "$v | $(ratio "$v" "$(med "$REF" "$2_cpu_us")")"; }
echo "### CPU per request (µs of user + system CPU of all the server's processes / requests answered; × = ratio to nginx, lower is better)"
echo
echo "| peer | keep-alive -c16 | × | keep-alive -c256 | × | Connection: close | × | static 4 KiB | × | static 1 MiB | × |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for p in "${PEERS[@]}"; do
  has "$p" ka16_cpu_us || has "$p" st4k_cpu_us || continue
  row="| $p"
  for m in ka16 ka256 close st4k st1m; do
    if has "$p" "${m}_cpu_us"; then row+=" | $(cpu "$p" "$m")"; else row+=" | - | -"; fi
  done
  echo "$row |"
done
echo
# per_round EXPR: one value per round of preforkd and preforkd-l100's samples, by an awk expression over
# c0 (preforkd ka16 CPU µs/req), c1 (l100's), n (l100 requests), k (l100 retirements), r0, r1 (req/s).
per_round() {
  awk -F'\t' '
    $1 == "preforkd" && $3 == "ka16_cpu_us" { c0[$2] = $4 } $1 == "preforkd-l100" && $3 == "ka16_cpu_us" { c1[$2] = $4 }
    $1 == "preforkd-l100" && $3 == "ka16_req" { n[$2] = $4 } $1 == "preforkd-l100" && $3 == "ka16_retired" { k[$2] = $4 }
    $1 == "preforkd" && $3 == "ka16_rps" { r0[$2] = $4 } $1 == "preforkd-l100" && $3 == "ka16_rps" { r1[$2] = $4 }
    END { for (r in c1) if ((r in c0) && k[r] > 0 && r0[r] > 0) { c0r = c0[r]; c1r = c1[r]; nr = n[r]; kr = k[r]; printf "%.3f\n", '"$1"' } }' "$RAW"
}
if has preforkd-l100 ka16_retired && has preforkd ka16_cpu_us; then
  echo "### Retirement cost (preforkd --lifetime 100 against --lifetime 0, keep-alive -c16, same round)"
  echo
  echo "CPU per retirement = (CPU/request at lifetime 100 − CPU/request at lifetime 0) × requests / retirements"
  echo "(retirements from /__status's counter during the run). Per round: $(per_round '(c1r - c0r) * nr / kr / 1000' | paste -sd/) ms."
  echo
  echo "| CPU per retirement ms (median) | worst round | retirements per 1000 requests | lifetime 100 / lifetime 0 throughput (median) | worst round |"
  echo "|---|---|---|---|---|"
  echo "| $(per_round '(c1r - c0r) * nr / kr / 1000' | median) | $(per_round '(c1r - c0r) * nr / kr / 1000' | sort -g | tail -1) | $(per_round 'kr * 1000 / nr' | median) | $(per_round 'r1[r] / r0[r]' | median) | $(per_round 'r1[r] / r0[r]' | sort -g | head -1) |"
  echo
fi
if has preforkd fair_worst; then
  echo "### Fairness (Connection: close -c16; busiest / least busy worker's requests over 1 s windows, from preforkd's /__status every 0.25 s)"
  echo
  echo "| peer | worst window (median of rounds) | per round | median window (median of rounds) |"
  echo "|---|---|---|---|"
  for p in "${PEERS[@]}"; do
    if has "$p" fair_worst; then echo "| $p | $(med "$p" fair_worst) | $(each "$p" fair_worst) | $(med "$p" fair_median) |"
    elif has "$p" close_rps; then echo "| $p | n/a (no per-worker counts) | - | - |"; fi
  done
  echo
fi
if has preforkd upgrade_ms || has nginx upgrade_ms; then
  echo "### Upgrade hand-over (bench/upgrade.sh: USR2 → old master gone, 4 workers, under wrk -t2 -c16 keep-alive)"
  echo
  echo "| peer | upgrades | median ms | worst ms | wrk errors |"
  echo "|---|---|---|---|---|"
  for p in "${PEERS[@]}"; do
    has "$p" upgrade_ms || continue
    echo "| $p | $(vals "$p" upgrade_ms | wc -l) | $(med "$p" upgrade_ms) | $(vals "$p" upgrade_ms | sort -g | tail -1) | $(sum "$p" upgrade_err) |"
  done
  echo
fi
echo "### Lifecycle (respawn: median of all SIGKILLs; shutdown and memory: median of rounds)"
echo
echo "| peer | respawn ms (SIGKILL → new child answers) | range | new child seen ms | shutdown ms (idle, TERM → all gone, port refused) | per round | RSS kB / worker | PSS kB / worker | errors with SIGKILL under load (per round) |"
echo "|---|---|---|---|---|---|---|---|---|"
for p in "${PEERS[@]}"; do
  has "$p" respawn_ms || continue
  echo "| $p | $(med "$p" respawn_ms) | $(span "$p" respawn_ms) | $(med "$p" respawn_fork_ms) | $(med "$p" shutdown_ms) | $(each "$p" shutdown_ms) | $(med "$p" rss_kb) | $(med "$p" pss_kb) | $(each "$p" kill_load_err) |"
done
echo
# Targets of issue 17 for preforkd.
P=preforkd
met() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { if (a == "-" || a == "") { print "n/a"; exit }
  if (a == "inf") { print (op == ">=") ? "met" : "**missed**"; exit }
  ok = (op == ">=") ? (a + 0 >= b + 0) : (a + 0 <= b + 0); print ok ? "met" : "**missed**" }'; }
r() { ratio "$(med "$1" "$2_rps")" "$(med "$REF" "$2_rps")"; }
# worst PEER METRIC: the lowest per-round ratio PEER/nginx ("-" if none).
worst() { awk -F'\t' -v p="$1" -v m="$2" -v ref="$REF" '$3 == m && $1 == p { a[$2] = $4 } $3 == m && $1 == ref { b[$2] = $4 }
  END { w = ""; for (r in a) if (b[r] > 0) { x = a[r] / b[r]; if (w == "" || x < w) w = x } if (w == "") print "-"; else printf "%.2f", w }' "$RAW"; }
cr() { ratio "$(med "$1" "$2_cpu_us")" "$(med "$REF" "$2_cpu_us")"; }
p99ok() { awk -v a="$(med "$P" "$1_p99_ms")" -v b="$(med "$REF" "$1_p99_ms")" 'BEGIN { if (a == "-" || b == "-") print "n/a"; else print (a + 0 <= b + 0) ? "met" : "**missed**" }'; }
both() { [[ $1 == met && $2 == met ]] && echo met || { [[ $1 == n/a || $2 == n/a ]] && echo n/a || echo "**missed**"; }; }
lt=$(ratio "$(med preforkd-l100 ka16_rps)" "$(med "$P" ka16_rps)")
rc=$(per_round '(c1r - c0r) * nr / kr / 1000' | median)
echo "### Targets (issue 17)"
echo
echo "| target | measured | result |"
echo "|---|---|---|"
for m in ka16 ka256 close; do
  echo "| $m ≥ 1.1× nginx (median), ≥ 1.0× every round | $(r "$P" $m)×, worst round $(worst "$P" "${m}_rps")× | $(both "$(met "$(r "$P" $m)" '>=' 1.1)" "$(met "$(worst "$P" "${m}_rps")" '>=' 1.0)") |"
  echo "| $m p99 ≤ nginx | $(med "$P" "${m}_p99_ms") vs $(med "$REF" "${m}_p99_ms") ms | $(p99ok $m) |"
done
echo "| close ahead of unicorn | $(ratio "$(med "$P" close_rps)" "$(med unicorn close_rps)")× unicorn | $(met "$(ratio "$(med "$P" close_rps)" "$(med unicorn close_rps)")" '>=' 1.0) |"
echo "| CPU/request keep-alive ≤ 0.75× nginx | $(cr "$P" ka16)× ($(med "$P" ka16_cpu_us) vs $(med "$REF" ka16_cpu_us) µs) | $(met "$(cr "$P" ka16)" '<=' 0.75) |"
echo "| CPU/request close ≤ 0.75× nginx | $(cr "$P" close)× ($(med "$P" close_cpu_us) vs $(med "$REF" close_cpu_us) µs) | $(met "$(cr "$P" close)" '<=' 0.75) |"
echo "| CPU/request static 4 KiB ≤ 0.75× nginx | $(cr preforkd-root st4k)× ($(med preforkd-root st4k_cpu_us) vs $(med "$REF" st4k_cpu_us) µs) | $(met "$(cr preforkd-root st4k)" '<=' 0.75) |"
echo "| lifetime 100 ≥ 0.75× lifetime 0 | ${lt}× | $(met "$lt" '>=' 0.75) |"
echo "| CPU per retirement ≤ 0.5 ms | ${rc:--} ms | $(met "${rc:--}" '<=' 0.5) |"
echo "| RSS ≤ 4 MB per worker | $(med "$P" rss_kb) kB | $(met "$(med "$P" rss_kb)" '<=' 4096) |"
echo "| PSS ≤ 1 MB per worker | $(med "$P" pss_kb) kB | $(met "$(med "$P" pss_kb)" '<=' 1024) |"
echo "| respawn median ≤ 1.0 ms | $(med "$P" respawn_ms) ms | $(met "$(med "$P" respawn_ms)" '<=' 1.0) |"
echo "| upgrade hand-over median ≤ 300 ms | $(med "$P" upgrade_ms) ms | $(met "$(med "$P" upgrade_ms)" '<=' 300) |"
echo "| fairness (close -c16) ≤ 1.5 | worst window $(med "$P" fair_worst) (median of rounds) | $(met "$(med "$P" fair_worst)" '<=' 1.5) |"
echo "| static 4 KiB ≥ 1.0× nginx | $(r preforkd-root st4k)× | $(met "$(r preforkd-root st4k)" '>=' 1.0) |"
echo "| static 1 MiB ≥ 1.0× nginx | $(r preforkd-root st1m)× | $(met "$(r preforkd-root st1m)" '>=' 1.0) |"
echo "| libcurl loop (not a target) | $(r "$P" curl)× nginx | - |"
