#!/usr/bin/env bash
# Runs conformance-run against preforkd and the peer servers (nginx, apache2
# mpm_prefork, gunicorn sync, the Perl HTTP::Daemon prefork script) and writes
# the per-section table to docs/conformance-peers.md (raw JSON in $OUT).
# Needs: apt nginx apache2 libhttp-daemon-perl python3-venv; pip gunicorn (a venv in $OUT/venv).
# usage: bench/conformance-peers.sh [extra conformance-run options]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared/bench}
OUT=${OUT:-/tmp/conformance-peers}
BIN=$ROOT/.build-conf/debug
mkdir -p "$OUT"
swift build --scratch-path "$ROOT/.build-conf" --product preforkd >/dev/null
swift build --scratch-path "$ROOT/.build-conf" --product conformance-run >/dev/null
[ -x "$OUT/venv/bin/gunicorn" ] || { python3 -m venv "$OUT/venv" && "$OUT/venv/bin/pip" install -q gunicorn; }
RUN_OPTS=(--slowloris-wait 10 "$@")

cat > "$OUT/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $OUT/nginx.pid;
error_log /dev/null crit;
events { worker_connections 4096; }
http { access_log off; server { listen 127.0.0.1:18281;
  location / { default_type text/plain; return 200 "hello, pre-forked world: 40-byte body!!\n"; } } }
CONF
sed "s#@PORT@#18282#g; s#@RUN@#$OUT#g; s#@B@#$SHARED#g" "$SHARED/conf/apache2.conf.in" > "$OUT/apache2.conf"
cp "$SHARED/apps/wsgi.py" "$OUT/wsgi.py"
# preforkd serves a static root so / carries ETag/Last-Modified (the 304 case runs).
mkdir -p "$OUT/preforkd-root"
printf '<!doctype html><p>conformance\n' > "$OUT/preforkd-root/index.html"

# name port path command...
peers=(
  "preforkd|0|/|$BIN/preforkd --port 18280 --fault-injection --header-timeout 2 --lifetime 0 --root $OUT/preforkd-root"
  "nginx|18281|/|nginx -c $OUT/nginx.conf"
  "apache2-prefork|18282|/hello.txt|apache2 -f $OUT/apache2.conf -DFOREGROUND"
  "gunicorn|18283|/|$OUT/venv/bin/gunicorn -w 4 -k sync --no-control-socket -b 127.0.0.1:18283 --chdir $OUT wsgi:app"
  "perl-http-daemon|18284|/|perl $SHARED/perl/prefork.pl 18284 4 100"
)
for p in "${peers[@]}"; do
  IFS='|' read -r name port path cmd <<<"$p"
  [ "$port" = 0 ] && port=18280
  # Own session: apache2 signals its whole process group when it stops.
  setsid $cmd >"$OUT/$name.server.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  echo "== $name (pid $pid, port $port)"
  "$BIN/conformance-run" --url "http://127.0.0.1:$port$path" --json "$OUT/$name.json" "${RUN_OPTS[@]}" \
    > "$OUT/$name.txt" 2>&1 || true
  tail -1 "$OUT/$name.txt"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
python3 "$ROOT/bench/conformance-table.py" "$OUT" preforkd nginx apache2-prefork gunicorn perl-http-daemon \
  > "$OUT/table.md"
cat "$OUT/table.md"; echo "(paste into docs/conformance-peers.md)"
