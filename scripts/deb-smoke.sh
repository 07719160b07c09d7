#!/usr/bin/env bash
# deb-smoke.sh [DEB]: installs the .deb with dpkg -i (built by
# scripts/package-deb.sh when no DEB is given), checks what it installed, runs
# the installed chaos-run for 10 s against the installed preforkd and against a
# foreign pre-forking server (contrib/ci/prefork_http.py, Python's standard
# library), checks `man preforkd` / `man chaos-run`, removes the package with
# dpkg -r and checks that no file of it is left. Fails loudly at the first
# problem; the package is removed on any exit. Needs root (dpkg).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
say() { echo "deb-smoke: $*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
[[ $(id -u) == 0 ]] || fail "needs root (dpkg -i)"
if ! man --version >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq man-db >/dev/null
fi
DEB=${1:-$("$ROOT/scripts/package-deb.sh")}
[[ -f $DEB ]] || fail "no package at '$DEB'"
WORK=$(mktemp -d /tmp/preforkd-deb-smoke.XXXXXX)
cleanup() {
  dpkg -P preforkd >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

dpkg-deb --info "$DEB" >&2
mapfile -t FILES < <(dpkg-deb --fsys-tarfile "$DEB" | tar -t | sed 's|^\./|/|; s|/$||' | grep -v '^/*$')
say "installing $DEB (${#FILES[@]} paths)"
dpkg -i "$DEB" >&2

for b in preforkd chaos-run conformance-run; do
  [[ $(command -v "$b") == /usr/bin/$b ]] || fail "$b is not /usr/bin/$b but '$(command -v "$b")'"
  v=$("/usr/bin/$b" --version) || fail "$b --version"
  [[ $v == "$(dpkg-query -W -f='${Version}' preforkd)" ]] || fail "$b --version '$v' differs from the package version"
done
for page in preforkd chaos-run conformance-run; do
  text=$(man -P cat "$page" 2>/dev/null) || fail "man $page failed"
  [[ $text == *--version* ]] || fail "man $page does not show the page"
done
[[ -f /lib/systemd/system/preforkd.service ]] || fail "no systemd unit"
grep -q '^ExecStart=/usr/bin/preforkd' /lib/systemd/system/preforkd.service || fail "unit does not start /usr/bin/preforkd"
[[ -f /etc/logrotate.d/preforkd && -f /usr/share/doc/preforkd/copyright ]] || fail "logrotate or copyright missing"

# From a directory with no chaos/scenarios: the installed scenarios must be found.
cd "$WORK"
chaos-run --list > list.txt
grep -q '^default ' list.txt || { cat list.txt >&2; fail "chaos-run --list does not find /usr/share/preforkd/scenarios"; }
say "chaos-run --scenario default, 10 s, against the installed preforkd"
chaos-run --scenario default --duration 10 --seed 20261202 --workers 4 --quiet \
  --report "$WORK/preforkd.json" --junit "$WORK/preforkd.xml" > preforkd.txt \
  || { cat preforkd.txt >&2; fail "chaos-run against /usr/bin/preforkd"; }
tail -n 1 preforkd.txt
grep -Eq 'usr\\?/bin\\?/preforkd' preforkd.json || fail "the run did not use /usr/bin/preforkd"
[[ -s preforkd.html ]] || fail "no HTML report beside the JSON report"

say "chaos-run 10 s against a foreign pre-forking server (python3 prefork_http.py)"
chaos-run --duration 10 --seed 20261202 --workers auto --quiet --report "$WORK/foreign.json" \
  -- python3 "$ROOT/contrib/ci/prefork_http.py" '{port}' --workers 3 > foreign.txt \
  || { cat foreign.txt >&2; fail "chaos-run against prefork_http.py"; }
tail -n 1 foreign.txt
cd /

dpkg -r preforkd >&2
left=()
for f in "${FILES[@]}"; do
  [[ -d $f ]] && continue            # shared directories (/usr/bin, /etc ...) stay
  [[ -e $f || -L $f ]] && left+=("$f")
done
for d in /usr/share/preforkd /usr/share/doc/preforkd; do [[ -e $d ]] && left+=("$d"); done
# dpkg -r keeps conffiles (a purge removes them): /etc/logrotate.d/preforkd may stay until then.
left=("${left[@]/\/etc\/logrotate.d\/preforkd}")
mapfile -t left < <(printf '%s\n' "${left[@]}" | grep -v '^$' || true)
(( ${#left[@]} == 0 )) || fail "left after dpkg -r: ${left[*]}"
dpkg -P preforkd >/dev/null 2>&1 || true
[[ ! -e /etc/logrotate.d/preforkd ]] || fail "/etc/logrotate.d/preforkd left after dpkg -P"
dpkg-query -W preforkd >/dev/null 2>&1 && [[ $(dpkg-query -W -f='${Status}' preforkd) != *not-installed* ]] \
  && fail "dpkg still lists preforkd"
say "OK: installed, smoke-tested, removed and purged; nothing left"
