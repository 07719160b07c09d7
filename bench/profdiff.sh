#!/usr/bin/env bash
# profdiff.sh DIR: per-request instructions per function, from the two callgrind
# runs profile.sh left in DIR (n$N1, n$N2): (Ir[N2] - Ir[N1]) / (N2 - N1).
set -euo pipefail
D=$1
mapfile -t runs < <(ls -d "$D"/n* | sort -V)
a=${runs[0]} b=${runs[1]}
na=${a##*/n} nb=${b##*/n}
dump() { callgrind_annotate --inclusive=no --threshold=100 "$(cat "$1/worker-file")" 2>/dev/null \
  | awk '/^ *[0-9,]+ \(/ { n = $1; gsub(/,/, "", n); sub(/^ *[0-9,]+ \( *[0-9.]+%\) +/, ""); print n "\t" $0 }'; }
join -t $'\t' -1 2 -2 2 -a 2 -e 0 -o 0,1.1,2.1 <(dump "$a" | sort -t $'\t' -k2) <(dump "$b" | sort -t $'\t' -k2) \
  | awk -F'\t' -v d=$(( nb - na )) '{ v = ($3 - $2) / d; if (v >= 50 || v <= -50) printf "%8.0f  %s\n", v, $1 }' \
  | sort -rn | head -${TOP:-40} | (swift demangle --simplified 2>/dev/null || cat) | cut -c1-170
