#!/usr/bin/env bash
# release-build.sh SCRATCH [swift build args...]: the one place that builds the
# shipped binaries: release, Swift runtime linked statically, and the dynamic
# exclusivity checks off (-enforce-exclusivity=unchecked; measured with
# bench/profile.sh keepalive, see docs/bench/RESULTS.md). The flag is passed
# here, not in Package.swift, because SwiftPM refuses a versioned dependency
# whose targets carry unsafeFlags. CHECKED=1 keeps the checks (to measure them).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SCRATCH=${1:?usage: release-build.sh SCRATCH [swift build args...]}; shift
flags=(-c release --static-swift-stdlib --scratch-path "$SCRATCH")
[[ -n ${CHECKED:-} ]] || flags+=(-Xswiftc -enforce-exclusivity=unchecked)
cd "$ROOT"
exec swift build "${flags[@]}" "$@"
