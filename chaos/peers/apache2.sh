#!/bin/sh
# usage: apache2.sh PORT — renders an mpm_prefork conf (fixed pool of 4
# children) into a private temp dir and execs apache2 -DFOREGROUND, so
# chaos-run's child IS the parent httpd.
set -eu
port=$1
here=$(cd "$(dirname "$0")" && pwd)
run=$(mktemp -d /tmp/chaos-apache2.XXXXXX)
mkdir -p "$run/www"
printf 'hello, pre-forked world: 40-byte body!!\n' > "$run/www/index.html"
chmod -R a+rX "$run"
sed -e "s|@PORT@|$port|g" -e "s|@RUN@|$run|g" "$here/apache2.conf.in" > "$run/apache2.conf"
exec apache2 -DFOREGROUND -f "$run/apache2.conf"
