#!/usr/bin/env bash
# package-deb.sh [OUTDIR]: builds OUTDIR/preforkd_<version>_amd64.deb (default
# OUTDIR: dist/) with dpkg-deb. Contents:
#   /usr/bin/{preforkd,chaos-run,conformance-run}   release, --static-swift-stdlib,
#                                                    exclusivity checks off (scripts/release-build.sh)
#   /usr/share/man/man1/*.1.gz                       from the ArgumentParser definitions
#                                                    (swift-argument-parser's GenerateManual plugin)
#   /lib/systemd/system/preforkd.service (+ .socket when contrib/ has one)
#   /etc/logrotate.d/preforkd                        (a conffile)
#   /usr/share/preforkd/scenarios/*.json             found by the installed chaos-run
#   /usr/share/doc/preforkd/{copyright,README.md,chaos-README.md}
# The version is the binaries' own `--version` (Sources/PreforkVersion). The
# package installs files only: no maintainer scripts, no service started.
# Env: SCRATCH (default .build-pkg), NO_BUILD=1 (use what SCRATCH holds).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/dist}
SCRATCH=${SCRATCH:-$ROOT/.build-pkg}
BINS=(preforkd chaos-run conformance-run)
say() { echo "package-deb: $*" >&2; }

if [[ -z ${NO_BUILD:-} ]]; then
  for b in "${BINS[@]}"; do say "building $b"; "$ROOT/scripts/release-build.sh" "$SCRATCH" --product "$b" >&2; done
fi
BIN=$SCRATCH/release
VERSION=$("$BIN/preforkd" --version)
for b in "${BINS[@]}"; do
  v=$("$BIN/$b" --version)
  [[ $v == "$VERSION" ]] || { say "$b --version says '$v', preforkd says '$VERSION'"; exit 1; }
done
[[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { say "bad version '$VERSION'"; exit 1; }

# Man pages: the plugin builds the package in the configuration it is given and
# runs each ArgumentParser executable's --experimental-dump-help. The text does
# not depend on the configuration; debug reuses what `swift test` built.
say "generating man pages"
(cd "$ROOT" && swift package plugin generate-manual --configuration debug >&2)
MAN=$ROOT/.build/plugins/GenerateManual/outputs

STAGE=$(mktemp -d /tmp/preforkd-deb.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
for b in "${BINS[@]}"; do
  install -D -m 0755 "$BIN/$b" "$STAGE/usr/bin/$b"
  strip "$STAGE/usr/bin/$b"   # as Debian packages do (symbols would be a -dbgsym package)
  page=$MAN/$b/$b.1
  [[ -s $page ]] || { say "no man page $page"; exit 1; }
  install -D -m 0644 "$page" "$STAGE/usr/share/man/man1/$b.1"
  gzip -9n "$STAGE/usr/share/man/man1/$b.1"
done
# The units as in contrib/, pointed at /usr/bin.
for unit in preforkd.service preforkd.socket; do
  [[ -f $ROOT/contrib/$unit ]] || continue
  install -D -m 0644 "$ROOT/contrib/$unit" "$STAGE/lib/systemd/system/$unit"
  sed -i -e 's|/usr/local/bin/preforkd|/usr/bin/preforkd|g' \
         -e 's|^Documentation=.*|Documentation=man:preforkd(1) file:/usr/share/doc/preforkd/README.md|' \
         "$STAGE/lib/systemd/system/$unit"
done
install -D -m 0644 "$ROOT/contrib/logrotate/preforkd" "$STAGE/etc/logrotate.d/preforkd"
install -d "$STAGE/usr/share/preforkd/scenarios"
install -m 0644 "$ROOT"/chaos/scenarios/*.json "$STAGE/usr/share/preforkd/scenarios/"
install -D -m 0644 "$ROOT/contrib/debian/copyright" "$STAGE/usr/share/doc/preforkd/copyright"
install -m 0644 "$ROOT/README.md" "$STAGE/usr/share/doc/preforkd/README.md"
install -m 0644 "$ROOT/chaos/README.md" "$STAGE/usr/share/doc/preforkd/chaos-README.md"

# Depends: the Debian packages that hold the shared libraries the binaries need.
deps=()
for lib in $(for b in "${BINS[@]}"; do objdump -p "$STAGE/usr/bin/$b" | awk '/NEEDED/ { print $2 }'; done | sort -u); do
  # awk reads to the end: an early exit would SIGPIPE ldconfig (pipefail).
  path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ && !found { print $NF; found = 1 }')
  [[ -n $path ]] || { say "cannot find $lib"; exit 1; }
  pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null || dpkg -S "${path#/usr}" 2>/dev/null) \
    || { say "no package owns $path"; exit 1; }
  deps+=("${pkg%%:*}")
done
DEPENDS=$(printf '%s\n' "${deps[@]}" | sort -u | paste -sd, | sed 's/,/, /g')

install -d "$STAGE/DEBIAN"
SIZE=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@DEPENDS@/$DEPENDS/" -e "s/@SIZE@/$SIZE/" \
  "$ROOT/contrib/debian/control.in" > "$STAGE/DEBIAN/control"
echo /etc/logrotate.d/preforkd > "$STAGE/DEBIAN/conffiles"

mkdir -p "$OUT"
DEB=$OUT/preforkd_${VERSION}_amd64.deb
dpkg-deb --root-owner-group -Zgzip --build "$STAGE" "$DEB" >&2
say "built $DEB ($(du -h "$DEB" | cut -f1)); Depends: $DEPENDS"
echo "$DEB"
