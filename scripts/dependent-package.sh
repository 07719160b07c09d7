#!/usr/bin/env bash
# dependent-package.sh: proves the Prefork and HTTP1 libraries can be used as a
# versioned dependency (SwiftPM refuses one whose targets carry unsafeFlags).
# Clones this repository's committed HEAD into a temp dir, tags the clone with
# the version in Sources/PreforkVersion/Version.swift, writes a throwaway
# package that depends on it by file:// URL and `from:` that version, embeds a
# handler (the README's embedding example), builds it, runs it on a
# kernel-picked port and curls it.
# Exit 0 only when the answer is the handler's body. Env: KEEP=1 keeps the dir.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSION=$(sed -n 's/.*static let string = "\(.*\)".*/\1/p' "$ROOT/Sources/PreforkVersion/Version.swift")
[[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "dependent-package: no version found (got '$VERSION')" >&2; exit 1; }
WORK=$(mktemp -d /tmp/preforkd-dependent.XXXXXX)
SERVER=
cleanup() {
  [[ -n $SERVER ]] && kill -KILL "$SERVER" 2>/dev/null; wait 2>/dev/null || true
  [[ -n ${KEEP:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT

git clone --quiet "$ROOT" "$WORK/preforkd"
git -C "$WORK/preforkd" -c user.name=ci -c user.email=ci@localhost tag -f -a "$VERSION" -m "$VERSION" >/dev/null

mkdir -p "$WORK/app/Sources/App"
cat > "$WORK/app/Package.swift" <<SWIFT
// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "app",
    dependencies: [.package(url: "file://$WORK/preforkd", from: "$VERSION")],
    targets: [
        .executableTarget(name: "App", dependencies: [
            .product(name: "Prefork", package: "preforkd"),
            .product(name: "HTTP1", package: "preforkd"),
        ]),
    ]
)
SWIFT
# The handler is the README's embedding example itself (the second swift block
# under "## Embedding"), so the snippet people copy is the one CI builds; only
# its port becomes 0 (the kernel picks; the ready line names it).
awk '/^## Embedding/ { on = 1; next } on && /^## / { exit } on && /^```swift/ { n++; if (n == 2) { grab = 1; next } }
     grab && /^```/ { exit } grab { print }' "$ROOT/README.md" \
  | sed 's/config.port = 8080/config.port = 0/' > "$WORK/app/Sources/App/App.swift"
grep -q "RequestHandler" "$WORK/app/Sources/App/App.swift" && grep -q "config.port = 0" "$WORK/app/Sources/App/App.swift" \
  || { echo "dependent-package: README's embedding example not found" >&2; cat "$WORK/app/Sources/App/App.swift" >&2; exit 1; }

echo "dependent-package: building a package that depends on preforkd from: $VERSION (file://$WORK/preforkd)"
(cd "$WORK/app" && swift build --product App 2>&1 | tail -n 5)
BIN=$(cd "$WORK/app" && swift build --show-bin-path)/App
# The resolved version must be the tag (a versioned dependency, not a branch).
grep -q "\"version\" : \"$VERSION\"" "$WORK/app/Package.resolved" \
  || { echo "dependent-package: Package.resolved does not pin preforkd at $VERSION" >&2; cat "$WORK/app/Package.resolved" >&2; exit 1; }

timeout 60 "$BIN" > "$WORK/server.out" 2> "$WORK/server.err" &
SERVER=$!
URL=
for (( i = 0; i < 200; i++ )); do
  URL=$(sed -n 's/^preforkd ready pid=[0-9]* url=\([^ ]*\) .*/\1/p' "$WORK/server.out")
  [[ -n $URL ]] && break
  kill -0 "$SERVER" 2>/dev/null || { echo "dependent-package: server exited" >&2; cat "$WORK/server.err" >&2; exit 1; }
  sleep 0.05
done
[[ -n $URL ]] || { echo "dependent-package: no ready line in 10 s" >&2; cat "$WORK/server.err" >&2; exit 1; }
BODY=$(curl -sS --max-time 5 "$URL")
kill -TERM "$SERVER"; wait "$SERVER" || true; SERVER=
[[ $BODY == "hi" ]] || { echo "dependent-package: unexpected answer '$BODY' (the README example answers 'hi')" >&2; exit 1; }
echo "dependent-package: OK: $URL answered '$BODY'"
