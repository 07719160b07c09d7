#!/usr/bin/env bash
# Installs the peers and the load generator (Debian 12 apt + PyPI venv), only
# what is missing. /usr/sbin/policy-rc.d (exit 101) keeps apt from starting
# nginx/apache2 as services. PROFILE=1 also installs valgrind (bench/profile.sh).
set -euo pipefail
B=$(cd "$(dirname "$0")" && pwd)
need=()
for pair in nginx:nginx apache2:apache2 wrk:wrk unicorn:unicorn; do
  command -v "${pair%%:*}" > /dev/null || need+=("${pair#*:}")
done
perl -MHTTP::Daemon -e1 2> /dev/null || need+=(libhttp-daemon-perl)
[[ ${PROFILE:-0} == 1 ]] && ! command -v valgrind > /dev/null && need+=(valgrind)
python3 -m venv --help > /dev/null 2>&1 || need+=(python3-venv)
if (( ${#need[@]} )); then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi
[ -x "$B/.venv/bin/gunicorn" ] || { python3 -m venv "$B/.venv" && "$B/.venv/bin/pip" install -q gunicorn; }
