#!/usr/bin/env bash
# Creates the static test files in bench/www (4 KiB and 1 MiB, fixed content; git-ignored).
set -euo pipefail
W=$(cd "$(dirname "$0")" && pwd)/www
[[ -s $W/4k.bin ]] || head -c 4096 /dev/zero | tr '\0' 'a' > "$W/4k.bin"
[[ -s $W/1m.bin ]] || head -c 1048576 /dev/zero | tr '\0' 'b' > "$W/1m.bin"
echo "$W"
