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
# -z now (BIND_NOW): the dynamic linker resolves every libc symbol once, in the
# master at startup, and every worker inherits the filled GOT. With lazy binding
# each new worker resolved again the functions the master never calls
# (epoll_wait, accept4, sendto...), which maps ld.so's code and libc's symbol
# tables into every worker: measured 6.1-6.3 MB -> 5.5-5.7 MB RSS per worker,
# 109-113 -> 98-99 page faults per worker lifetime (docs/bench/RESULTS.md,
# round 4). The master's start-up pays ~0.2 M instructions once. LAZY=1 keeps lazy binding.
[[ -n ${LAZY:-} ]] || flags+=(-Xlinker -z -Xlinker now)
[[ -n ${CHECKED:-} ]] || flags+=(-Xswiftc -enforce-exclusivity=unchecked)
cd "$ROOT"
exec swift build "${flags[@]}" "$@"
