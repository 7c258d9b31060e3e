#!/usr/bin/env bash
# Benchmark apitrace against the tools people use (issue #10); print a table per scenario
# and write BENCHMARKS.md.
#
#   bench/run.sh [--quick] [--only s1,s2,s2b,s3,cost,help] [--reps N] [--md PATH]
#
#   --quick   small worlds (10k events in S1 and S2, 100k in S3), one run each: a sanity
#             check in a few minutes. It writes its BENCHMARKS.md into the output folder,
#             not over the repository's (unless --md says where).
#   --only    run only these scenarios (s1 = moto emulator, s2 = simulated AWS with latency
#             and quota and 800-byte lines, s2b = the same with 150-byte lines, s3 = client
#             throughput, cost = calls and wall time of errors, summary and trace against
#             get on moto and on S2's simulated AWS, and with 10, 100, 1,000 failures (#17);
#             help = `apitrace --help` start-up). `--only cost` alone rewrites only its
#             section of the report; it needs no tool virtualenv. For it, a debug build is
#             enough (APITRACE_BIN=$CARGO_TARGET_DIR/debug/apitrace): calls do not depend
#             on the build.
#   --reps N  runs of apitrace and of the bare pagers per scenario (default 3, quick 1)
#   --md PATH where to write the report (default: BENCHMARKS.md at the repository root)
#
# Environment:
#   BENCH_VENV        the tools' virtualenv (default ~/.cache/apitrace/bench-venv): apilogs 1.2
#                     (with setuptools<81, it imports pkg_resources), awslogs, awscli v1
#   CARGO_TARGET_DIR  where the release build goes (default ~/.cache/apitrace/target)
#   APITRACE_BIN      benchmark this binary instead of building one
#   BENCH_REV         build this git revision (e.g. HEAD) from a `git archive` copy in
#                     ~/.cache/apitrace/bench-src instead of the working tree (useful while
#                     others edit src/)
#   APITRACE_VENV     the emulator's virtualenv (scripts/emulator.sh)
#   BENCH_OUT         raw outputs and results.json (default ~/.cache/apitrace/bench-out/DATE)
#
# Needs python3 (with venv), cargo, and the network to the package registries the first
# time. The release build takes ~10 min cold on 2 cores: fine for a benchmark, never for CI.
# Every server it starts listens on 127.0.0.1 and is stopped by PID at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

QUICK=""
ARGS=()
MD=""
ONLY="s1,s2,s2b,s3,cost,help"
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1; ARGS+=(--quick) ;;
        --only) ONLY="$2"; ARGS+=("$1" "$2"); shift ;;
        --reps) ARGS+=("$1" "$2"); shift ;;
        --md) MD="$2"; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench/run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/apitrace"
BENCH_VENV="${BENCH_VENV:-$CACHE/bench-venv}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
BENCH_OUT="${BENCH_OUT:-$CACHE/bench-out/$(date -u +%Y%m%dT%H%M%SZ)${QUICK:+-quick}}"
mkdir -p "$BENCH_OUT"
if [ -z "$MD" ]; then
    if [ -n "$QUICK" ]; then MD="$BENCH_OUT/BENCHMARKS.md"; else MD="$ROOT/BENCHMARKS.md"; fi
fi

say() { echo "bench: $*" >&2; }

# 1. The tools to compare with, in their own virtualenv (only S1 and S2 run them).
needs_tools() { case ",$ONLY," in *,s1,*|*,s2,*|*,s2b,*) return 0 ;; esac; return 1; }
if needs_tools && ! "$BENCH_VENV/bin/python" - 2>/dev/null <<'EOF'
import importlib.metadata as m, sys
v = lambda p: m.version(p)
ok = v("apilogs") == "1.2" and int(v("setuptools").split(".")[0]) < 81 and v("awslogs") and v("awscli").startswith("1.")
import pkg_resources  # apilogs needs it
sys.exit(0 if ok else 1)
EOF
then
    say "installing apilogs 1.2, awslogs and awscli v1 into $BENCH_VENV"
    python3 -m venv "$BENCH_VENV"
    "$BENCH_VENV/bin/pip" install --quiet --disable-pip-version-check 'apilogs==1.2' 'setuptools<81' awslogs 'awscli<2'
fi

# 2. hyperfine for the start-up benchmark (optional: a Python loop otherwise); taskset for S3.
HYPERFINE=$(command -v hyperfine || true)
if [ -z "$HYPERFINE" ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    say "installing hyperfine (apt-get)"
    apt-get install -y -qq hyperfine >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq hyperfine >/dev/null 2>&1; } || true
    HYPERFINE=$(command -v hyperfine || true)
fi
command -v taskset >/dev/null || say "taskset not found: S3 runs unpinned"
if [ ! -x /usr/bin/time ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    say "installing GNU time (apt-get)"
    apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq time >/dev/null 2>&1; } || true
fi
[ -x /usr/bin/time ] || say "/usr/bin/time not found: peak RSS falls back to wait4 (over-reports)"

# 3. apitrace, release build.
if [ -n "${APITRACE_BIN:-}" ]; then
    BIN=$APITRACE_BIN
    SOURCE="the binary $APITRACE_BIN"
elif [ -n "${BENCH_REV:-}" ]; then
    REV=$(git rev-parse --short "$BENCH_REV")
    SRC="$CACHE/bench-src"
    if [ "$(cat "$SRC/.bench-rev" 2>/dev/null)" != "$REV" ]; then
        rm -rf "$SRC" && mkdir -p "$SRC"
        git archive "$REV" | tar -x -C "$SRC"
        echo "$REV" >"$SRC/.bench-rev"
    fi
    say "building apitrace $REV from a git archive in $SRC (cargo build --release --locked)"
    (cd "$SRC" && cargo build --release --locked)
    BIN="$CARGO_TARGET_DIR/release/apitrace"
    SOURCE="git $REV (a clean git archive)"
else
    say "building apitrace (cargo build --release --locked, CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
    cargo build --release --locked
    BIN="$CARGO_TARGET_DIR/release/apitrace"
    SOURCE="working tree"
fi
[ -x "$BIN" ] || { say "no binary at $BIN"; exit 1; }

# 4. A fresh moto for S1, from the emulator's virtualenv.
. scripts/emulator.sh
ensure_emulator
start_emulator
trap stop_emulator EXIT INT TERM
say "moto on 127.0.0.1:$MOTO_PORT (pid $MOTO_PID); raw outputs in $BENCH_OUT"

python3 bench/bench.py --bin "$BIN" --bench-venv "$BENCH_VENV" --emu-python "$APITRACE_VENV/bin/python" \
    --moto-port "$MOTO_PORT" --moto-pid "$MOTO_PID" --out "$BENCH_OUT" --md "$MD" --source "$SOURCE" \
    ${HYPERFINE:+--hyperfine "$HYPERFINE"} ${ARGS[@]+"${ARGS[@]}"}
