#!/bin/sh
# usage: unicorn.sh PORT [PIDFILE] — renders a unicorn config (4 workers) and
# a one-line Rack app into a private temp dir and execs unicorn, so
# chaos-run's child IS the master. With PIDFILE the master writes it (a USR2
# re-exec renames it to PIDFILE.oldbin and the new master writes its own):
# pass the same path to chaos-run --pid-file.
set -eu
port=$1
run=$(mktemp -d /tmp/chaos-unicorn.XXXXXX)
pidfile=${2:-$run/unicorn.pid}
cat > "$run/config.ru" <<'RU'
run lambda { |env| [200, { "content-type" => "text/plain" }, ["hello, pre-forked world: 40-byte body!!\n"]] }
RU
cat > "$run/unicorn.conf.rb" <<CONF
worker_processes 4
listen "127.0.0.1:$port", backlog: 1024
pid "$pidfile"
timeout 30
stderr_path "$run/stderr.log"
CONF
exec unicorn -c "$run/unicorn.conf.rb" "$run/config.ru"
