#!/usr/bin/env bash
# Run the whole test suite: install the AWS emulator (moto) into a local virtualenv if
# needed, start it on a free loopback port, run `cargo test` against it, and stop it.
# Extra arguments go to `cargo test` (e.g. scripts/test.sh get_ -- --nocapture).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/emulator.sh

ensure_emulator
start_emulator
trap stop_emulator EXIT INT TERM
echo "apitrace: emulator (moto $MOTO_VERSION) on 127.0.0.1:$MOTO_PORT, pid $MOTO_PID" >&2

export APITRACE_TEST_ENDPOINT="http://127.0.0.1:$MOTO_PORT"
export APITRACE_TEST_PYTHON="$APITRACE_VENV/bin/python"
cargo test --locked "$@"
