#!/usr/bin/env bash
# The demo: no AWS account needed. Installs and starts the AWS emulator (moto) on loopback,
# seeds a small realistic API world (a REST API with an authorizer, five Lambda functions,
# execution, access and Lambda logs, an HTTP API), builds apitrace, and runs
#   apitrace groups --api-id ID --stage prod
#   apitrace get    --api-id ID --stage prod --start '1h ago'
# against it. Extra arguments are added to the `get` command line (e.g. -o json).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/emulator.sh

bin="${CARGO_TARGET_DIR:-target}/debug/apitrace"
if [ ! -x "$bin" ]; then
    echo "apitrace demo: the first run builds apitrace and the AWS SDK crates (about 6 minutes on" >&2
    echo "2 cores) and installs the moto emulator into a virtualenv; both need network access to" >&2
    echo "the package registries. Later runs take seconds." >&2
fi
cargo build --locked
ensure_emulator
start_emulator
trap stop_emulator EXIT INT TERM
emulator_env

manifest="$(mktemp)"
"$APITRACE_VENV/bin/python" scripts/world.py --endpoint "$AWS_ENDPOINT_URL" --prefix demo --out "$manifest" >/dev/null
api=$("$APITRACE_VENV/bin/python" -c "import json,sys; print(json.load(open(sys.argv[1]))['rest_api_id'])" "$manifest")
rm -f "$manifest"

echo "\$ apitrace groups --api-id $api --stage prod"
"$bin" groups --api-id "$api" --stage prod
echo
echo "\$ apitrace get --api-id $api --stage prod --start '1h ago' $*"
"$bin" get --api-id "$api" --stage prod --start '1h ago' "$@"
