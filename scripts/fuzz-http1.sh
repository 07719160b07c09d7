#!/usr/bin/env bash
# Fuzzes the HTTP1 request parser for a fixed time (default 300 s).
# Properties (Sources/HTTP1Fuzz/FuzzCheck.swift): no crash, no hang (10 s per
# input), the same result however the bytes are split into reads, and every
# accepted request re-serialised with a Content-Length body re-parses to the
# same single request (no framing difference).
# libFuzzer (swift build -sanitize=fuzzer) when the toolchain links it; else
# the seeded random mutator. Prints "executions: N" at the end; exit != 0 on a
# finding (crash/timeout inputs land in $OUT/artifacts).
# usage: scripts/fuzz-http1.sh [seconds]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECS=${1:-300}
OUT=${OUT:-$ROOT/.build-fuzz/http1}
SCRATCH=${SCRATCH:-$ROOT/.build-fuzz}
mkdir -p "$OUT/corpus" "$OUT/artifacts"
cd "$ROOT"

if swift build -c debug --scratch-path "$SCRATCH" -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library \
     -Xswiftc -DFUZZING --product HTTP1Fuzz > "$OUT/build.log" 2>&1; then
  echo "libFuzzer build; fuzzing for ${SECS} s (corpus $OUT/corpus)"
  set +e
  # The Swift runtime backtracer would take the trap first; let libFuzzer save the input.
  SWIFT_BACKTRACE=enable=no "$SCRATCH/debug/HTTP1Fuzz" "$OUT/corpus" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
    -max_len=4096 -print_final_stats=1 -artifact_prefix="$OUT/artifacts/" > "$OUT/fuzz.log" 2>&1
  rc=$?
  set -e
  tail -20 "$OUT/fuzz.log"
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$OUT/fuzz.log" | grep -Eo '[0-9]+$' || echo 0)
  echo "executions: $runs"
  exit $rc
fi

echo "libFuzzer build failed (see $OUT/build.log); using the seeded random mutator"
swift build -c debug --scratch-path "$SCRATCH-random" --product HTTP1Fuzz > "$OUT/build-random.log" 2>&1
"$SCRATCH-random/debug/HTTP1Fuzz" --seconds "$SECS" --max-input-ms 2000 | tee "$OUT/fuzz.log"
runs=$(grep -Eo '[0-9]+ executions' "$OUT/fuzz.log" | grep -Eo '^[0-9]+' || echo 0)
echo "executions: $runs"
