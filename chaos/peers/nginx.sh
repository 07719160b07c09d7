#!/bin/sh
# usage: nginx.sh PORT [PIDFILE] — renders a foreground nginx conf (master +
# 4 workers) into a private temp dir and execs nginx, so chaos-run's child IS
# the master. PIDFILE (default in the temp dir): pass it to chaos-run --pid-file.
set -eu
port=$1
run=$(mktemp -d /tmp/chaos-nginx.XXXXXX)
pidfile=${2:-$run/nginx.pid}
mkdir -p "$run/tmp"
cat > "$run/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 4;
pid $pidfile;
error_log $run/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $run/tmp;
    proxy_temp_path $run/tmp;
    fastcgi_temp_path $run/tmp;
    uwsgi_temp_path $run/tmp;
    scgi_temp_path $run/tmp;
    server {
        listen 127.0.0.1:$port;
        location / {
            default_type text/plain;
            return 200 "hello, pre-forked world: 40-byte body!!\n";
        }
    }
}
CONF
exec nginx -p "$run" -c "$run/nginx.conf"
