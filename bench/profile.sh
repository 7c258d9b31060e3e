#!/usr/bin/env bash
# Where apitrace spends its time: perf profiles (flat, by symbol) of S3's runs against the
# pre-rendered fake (text and -o json, pinned to CPU 0), and of an S1 run against a seeded
# moto, plus a --debug timeline of that S1 run (which calls, when).
#
#   bench/profile.sh [--quick]
#
# Builds apitrace with the release profile but without stripping symbols, in its own
# target dir (~/.cache/apitrace/target-prof; a full build, ~10 min cold on 2 cores), from
# the working tree or from BENCH_REV (as bench/run.sh). Needs perf (Debian: linux-perf).
# Results in ~/.cache/apitrace/bench-out/profile-DATE/ (*.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
QUICK=""
[ "${1:-}" = "--quick" ] && QUICK=1
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/apitrace"
PROF_TARGET="${PROF_TARGET:-$CACHE/target-prof}"
OUT="${BENCH_OUT:-$CACHE/bench-out/profile-$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
say() { echo "profile: $*" >&2; }
command -v perf >/dev/null || { say "perf not found (Debian: apt-get install linux-perf)"; exit 1; }

SRCDIR=$ROOT
if [ -n "${BENCH_REV:-}" ]; then
    REV=$(git rev-parse --short "$BENCH_REV")
    SRCDIR="$CACHE/bench-src"
    if [ "$(cat "$SRCDIR/.bench-rev" 2>/dev/null)" != "$REV" ]; then
        rm -rf "$SRCDIR" && mkdir -p "$SRCDIR"
        git archive "$REV" | tar -x -C "$SRCDIR"
        echo "$REV" >"$SRCDIR/.bench-rev"
    fi
fi
if [ -z "${APITRACE_PROF_BIN:-}" ]; then
    say "building apitrace with symbols (release profile, strip = none) in $PROF_TARGET"
    (cd "$SRCDIR" && CARGO_PROFILE_RELEASE_STRIP=none CARGO_TARGET_DIR="$PROF_TARGET" cargo build --release --locked)
fi
BIN="${APITRACE_PROF_BIN:-$PROF_TARGET/release/apitrace}"

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE="$OUT/none" AWS_SHARED_CREDENTIALS_FILE="$OUT/none"
unset AWS_PROFILE AWS_ENDPOINT_URL RUST_LOG

report() { # perf.data -> flat profile by symbol, and by shared object
    perf report -i "$1" --stdio --no-children --sort sym --percent-limit 0.7 2>/dev/null | grep -v '^$' >"$2"
    perf report -i "$1" --stdio --no-children --sort dso 2>/dev/null | grep -v '^#' | grep -v '^$' | head -12 >>"$2"
}

# --- S3: the pre-rendered fake on CPU 1, apitrace on CPU 0
EVENTS=$([ -n "$QUICK" ] && echo 25000 || echo 250000)
NOW=$(date +%s)000
START=$((NOW - 3600000)); END=$((NOW - 60000))
taskset -c 1 python3 bench/fastlogs.py --port 0 --seed 3 --groups 4 --events "$EVENTS" --message-bytes 100 \
    --start-ms "$START" --end-ms "$END" >"$OUT/fastlogs.json" 2>"$OUT/fastlogs.err" &
FAST_PID=$!
trap 'kill $FAST_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do [ -s "$OUT/fastlogs.json" ] && break; sleep 0.2; done
PORT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$OUT/fastlogs.json")
GROUPS_ARGS=(--log-group fake-0 --log-group fake-1 --log-group fake-2 --log-group fake-3)
for fmt in text json; do
    extra=(); [ $fmt = json ] && extra=(-o json)
    say "S3: perf record, apitrace get ${extra[*]:-} ($((EVENTS * 4)) events)"
    perf record -F 1999 -o "$OUT/s3-$fmt.data" -- taskset -c 0 "$BIN" get "${GROUPS_ARGS[@]}" --start "$START" \
        --end "$END" --endpoint-url "http://127.0.0.1:$PORT" --max-tps 1000 ${extra[@]+"${extra[@]}"} >/dev/null 2>"$OUT/s3-$fmt.perf.err"
    report "$OUT/s3-$fmt.data" "$OUT/s3-$fmt.txt"
done
kill $FAST_PID 2>/dev/null || true
wait $FAST_PID 2>/dev/null || true
trap - EXIT

# --- S1: a seeded moto
. scripts/emulator.sh
ensure_emulator
start_emulator
trap stop_emulator EXIT INT TERM
REQ=$([ -n "$QUICK" ] && echo 330 || echo 3300)
say "S1: seeding a world (--requests $REQ) into moto on $MOTO_PORT"
"$APITRACE_VENV/bin/python" scripts/world.py --endpoint "http://127.0.0.1:$MOTO_PORT" --requests "$REQ" --noise 20 \
    --prefix prof --out "$OUT/s1-manifest.json" >/dev/null
read -r API WS WE < <(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["rest_api_id"], m["window"]["start_ms"]//1000, -(-m["window"]["end_ms"]//1000))' "$OUT/s1-manifest.json")
S1=("$BIN" get --api-id "$API" --stage prod --start "$WS" --end "$WE" -G -S --endpoint-url "http://127.0.0.1:$MOTO_PORT")
say "S1: perf record, apitrace get --api-id $API --stage prod"
perf record -F 1999 -o "$OUT/s1.data" -- "${S1[@]}" >/dev/null 2>"$OUT/s1.perf.err"
report "$OUT/s1.data" "$OUT/s1.txt"
say "S1: --debug timeline"
python3 bench/timeline.py "$OUT/s1-timeline.txt" -- "${S1[@]}" --debug >"$OUT/s1-timeline-summary.txt"
cat "$OUT/s1-timeline-summary.txt"
say "profiles in $OUT: s3-text.txt s3-json.txt s1.txt s1-timeline.txt"
