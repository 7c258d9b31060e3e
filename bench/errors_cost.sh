#!/usr/bin/env bash
# FilterLogEvents calls and wall time of `errors` and `trace` against `get` on the same
# window (issue #17), on moto worlds with about 12, 120 and 1,200 failing requests
# (scripts/world.py --requests 40, 400, 4000: 3 in 10 requests fail with a 5xx).
# Calls are counted from --debug (one `→` line per request sent); they do not depend on
# the build. Wall times are of whatever binary APITRACE_BIN names (default: the debug
# build in CARGO_TARGET_DIR or target/), against the emulator, so only their ratios mean
# something.
#
#   bench/errors_cost.sh [REQUESTS ...]      (default: 40 400 4000)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/emulator.sh
ensure_emulator
start_emulator
trap stop_emulator EXIT INT TERM
endpoint="http://127.0.0.1:$MOTO_PORT"
bin=${APITRACE_BIN:-${CARGO_TARGET_DIR:-target}/debug/apitrace}
py="$APITRACE_VENV/bin/python"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
export AWS_ENDPOINT_URL="$endpoint"
tmp=$(mktemp -d)
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(40 400 4000)

# calls and seconds of one run: "CALLS SECONDS"
measure() {
    local t0 t1
    t0=$(date +%s.%N)
    "$bin" "$@" --debug >/dev/null 2>"$tmp/err" || true
    t1=$(date +%s.%N)
    printf '%s %.2f\n' "$(grep -c '^apitrace: debug: → .*FilterLogEvents' "$tmp/err")" \
        "$(echo "$t1 - $t0" | bc)"
}

echo "| failures | events | get: calls, s | errors: calls, s | ratio | trace: calls, s |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
for n in "${sizes[@]}"; do
    "$py" scripts/world.py --endpoint "$endpoint" --prefix "cost$n$$" --requests "$n" \
        --out "$tmp/w.json" >/dev/null
    read -r api start end fails events id < <("$py" - "$tmp/w.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
bad = [r for r in m["requests"] if r["api"] == "rest" and r["status"] >= 500]
print(m["rest_api_id"], m["window"]["start_ms"] - 1, m["window"]["end_ms"] + 60000,
      len(bad), len(m["events"]), bad[0]["request_id"])
PY
)
    w=(--api-id "$api" --stage prod --start "$start" --end "$end")
    read -r gc gs < <(measure get "${w[@]}" -o json)
    read -r ec es < <(measure errors "${w[@]}" -o json --limit 10000)
    read -r tc ts < <(measure trace "$id" "${w[@]}")
    echo "| $fails | $events | $gc, $gs | $ec, $es | $(echo "scale=1; $ec / $gc" | bc)x | $tc, $ts |"
done
rm -rf "$tmp"
