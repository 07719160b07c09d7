#!/usr/bin/env bash
# Planned changes against the peers: short chaos-run runs (release build) of
# retirement, reload and re-exec upgrade against gunicorn, unicorn, nginx and
# apache2 prefork, then preforkd, and the verdict table of chaos/README.md
# ("Planned changes: the peers").
#   chaos/peers/planned.sh [DURATION] [SEED]      (defaults 20 s, 20261203)
# Needs: swift build -c release --product chaos-run --product preforkd;
# nginx, apache2, unicorn (Debian); gunicorn in $GUNICORN_VENV (default
# /tmp/chaos-gunicorn-venv, created with pip when missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-20}
seed=${2:-20261203}
# Reports, HTML pages and the runs' output stay here (git-ignored).
run=chaos/reports/planned-$(date -u +%Y%m%dT%H%M%S)
mkdir -p "$run"
run=$(cd "$run" && pwd)
echo "reports in $run" >&2
bin=.build/release/chaos-run
[ -x "$bin" ] || { echo "build it first: swift build -c release --product chaos-run --product preforkd" >&2; exit 2; }
venv=${GUNICORN_VENV:-/tmp/chaos-gunicorn-venv}
if [ ! -x "$venv/bin/gunicorn" ]; then
    python3 -m venv "$venv" && "$venv/bin/pip" install -q gunicorn
fi
gunicorn="$venv/bin/gunicorn -w 4 --chdir $PWD/chaos/peers -b 127.0.0.1:{port}"
common=(--duration "$duration" --seed "$seed" --quiet)

# name | chaos-run arguments (the command after --)
runs=(
  "gunicorn --max-requests 20|--workers 4 --lifetime 20 --faults none -- $gunicorn --max-requests 20 app:app"
  "gunicorn --max-requests 20 --reuse-port|--workers 4 --lifetime 20 --faults none -- $gunicorn --max-requests 20 --reuse-port app:app"
  "gunicorn HUP|--workers 4 --lifetime 0 --faults reload --reload-signal HUP --kill-every 1 -- $gunicorn app:app"
  "gunicorn USR2 + TERM|--workers 4 --lifetime 0 --faults upgrade --upgrade-signal USR2 --upgrade-finish TERM --kill-every 1 -- $gunicorn app:app"
  "unicorn HUP|--workers 4 --lifetime 0 --faults reload --reload-signal HUP --kill-every 1 --shutdown QUIT -- chaos/peers/unicorn.sh {port}"
  "unicorn USR2 + QUIT|--workers 4 --lifetime 0 --faults upgrade --upgrade-signal USR2 --upgrade-finish QUIT --kill-every 1 --shutdown QUIT --pid-file $run/unicorn.pid -- chaos/peers/unicorn.sh {port} $run/unicorn.pid"
  "nginx HUP|--workers 4 --lifetime 0 --faults reload --reload-signal HUP --kill-every 1 --shutdown QUIT -- chaos/peers/nginx.sh {port}"
  "nginx USR2 + QUIT|--workers 4 --lifetime 0 --faults upgrade --upgrade-signal USR2 --upgrade-finish QUIT --kill-every 1 --shutdown QUIT --pid-file $run/nginx.pid -- chaos/peers/nginx.sh {port} $run/nginx.pid"
  "apache2 prefork USR1|--workers 4 --lifetime 0 --faults reload --reload-signal USR1 --kill-every 1 -- chaos/peers/apache2.sh {port}"
  "preforkd USR2 upgrades|--workers 4 --lifetime 0 --faults upgrade --kill-every 1"
  "preforkd --lifetime 20|--workers 4 --lifetime 20 --faults none"
  "preforkd scale-churn|--workers 4 --faults scale-down,scale-up --kill-every 1"
)
i=0
for r in "${runs[@]}"; do
    i=$((i + 1))
    name=${r%%|*}
    # ONLY=REGEX runs the matching rows alone.
    [[ -z ${ONLY:-} || $name =~ $ONLY ]] || continue
    read -r -a args <<< "${r#*|}"
    echo "== $name: chaos-run ${common[*]} ${args[*]}" >&2
    rc=0
    "$bin" "${common[@]}" --report "$run/$i.json" --html "$run/$i.html" "${args[@]}" > "$run/$i.txt" 2>&1 || rc=$?
    printf '%s\t%s\t%s\n' "$name" "$rc" "$run/$i.json" >> "$run/index.tsv"
    tail -1 "$run/$i.txt" >&2
done
python3 - "$run/index.tsv" <<'PY'
import json, sys
from collections import Counter
cols = ["zero-loss-planned", "handover", "generations"]
print("| run | planned events | requests in window | lost | resent | lost at the stop | " + " | ".join(cols)
      + " | other FAILs | verdict |")
print("|---" * (8 + len(cols)) + "|")
for line in open(sys.argv[1]):
    name, rc, path = line.rstrip("\n").split("\t")
    try:
        r = json.load(open(path))
    except OSError:
        print(f"| {name} | setup error (exit {rc}) |" + " |" * (7 + len(cols)))
        continue
    v = {x["id"]: x for x in r["verdicts"]}
    counts = r.get("plannedChanges") or []
    planned = [p for p in counts if p["kind"] != "graceful-stop"]
    stop = [p for p in counts if p["kind"] == "graceful-stop"]
    events = ", ".join(f'{p["kind"]} {p["events"]}' for p in planned) or "none"
    # Planned faults that could not be made, by reason: they say what could not be driven.
    why = Counter(f["detail"].split(" (")[0] for f in r["faults"] if not f["applied"])
    if why:
        events += " (not applied: " + "; ".join(f"{n} x {d}" for d, n in why.items()) + ")"
    req = sum(p["requests"] for p in planned)
    lost = sum(p["lost"] for p in planned)
    resent = sum(p["resent"] for p in planned)
    at_stop = f'{stop[0]["lost"]} of {stop[0]["requests"]}' if stop else f'n/a (SIG{r.get("shutdownSignal")})'
    cells = [v[c]["status"] if c in v else "-" for c in cols]
    other = [k for k, x in v.items() if x["status"] == "FAIL" and k not in cols]
    passed = sum(x["status"] == "PASS" for x in v.values())
    failed = sum(x["status"] == "FAIL" for x in v.values())
    print(f"| {name} | {events} | {req} | {lost} | {resent} | {at_stop} | " + " | ".join(cells)
          + f" | {', '.join(other) or '-'} | {passed} passed, {failed} failed |")
PY
