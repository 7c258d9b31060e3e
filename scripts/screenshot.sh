#!/usr/bin/env bash
# Regenerate docs/screenshot.svg from a real run: the emulator, the demo world, and
# `apitrace trace` of a failed request with colours, rendered by scripts/ansi2svg.py.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/emulator.sh
ensure_emulator
start_emulator
trap stop_emulator EXIT INT TERM
emulator_env
cargo build --quiet --locked
bin="${CARGO_TARGET_DIR:-target}/debug/apitrace"
manifest="$(mktemp)"
"$APITRACE_VENV/bin/python" scripts/world.py --endpoint "$AWS_ENDPOINT_URL" --prefix shop --out "$manifest" >/dev/null
read -r api rid < <("$APITRACE_VENV/bin/python" -c "
import json, sys
m = json.load(open(sys.argv[1]))
r = next(r for r in m['requests'] if r['kind'] == 'function_error')
print(m['rest_api_id'], r['request_id'])" "$manifest")
rm -f "$manifest"
{
    echo "\$ apitrace trace $rid --api-id $api --stage prod -S"
    "$bin" trace "$rid" --api-id "$api" --stage prod -S -q --color always
} | python3 scripts/ansi2svg.py --title "apitrace trace" --width 160 > docs/screenshot.svg
echo "wrote docs/screenshot.svg" >&2
