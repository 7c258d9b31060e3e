# Shared by scripts/test.sh, scripts/demo.sh and .ci/run: install the moto emulator into a
# local virtualenv and start/stop it on a free loopback port, by PID. Source it; do not run it.
#
#   APITRACE_VENV   where the virtualenv lives (default: ~/.cache/apitrace/venv, reused
#                   between runs; created and filled on first use)
#   MOTO_VERSION    the moto release to install (default below)

APITRACE_VENV="${APITRACE_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/apitrace/venv}"
MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
MOTO_PID=""
MOTO_PORT=""

# Create the virtualenv and install moto[server] (and boto3, which it brings) if needed.
ensure_emulator() {
    if [ -x "$APITRACE_VENV/bin/moto_server" ] &&
        "$APITRACE_VENV/bin/python" -c "import moto, boto3, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
        return 0
    fi
    command -v python3 >/dev/null || { echo "apitrace: python3 is needed to run the AWS emulator (moto)" >&2; return 1; }
    echo "apitrace: installing the AWS emulator (moto[server]==$MOTO_VERSION) into $APITRACE_VENV" >&2
    mkdir -p "$(dirname "$APITRACE_VENV")"
    python3 -m venv "$APITRACE_VENV" || { echo "apitrace: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; return 1; }
    "$APITRACE_VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
}

# Start moto on a free loopback port; sets MOTO_PORT and MOTO_PID, waits until it answers.
start_emulator() {
    MOTO_PORT=$("$APITRACE_VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    local log="${TMPDIR:-/tmp}/apitrace-moto-$MOTO_PORT.log"
    "$APITRACE_VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$log" 2>&1 &
    MOTO_PID=$!
    local i
    for i in $(seq 1 100); do
        if "$APITRACE_VENV/bin/python" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$MOTO_PORT/moto-api/', timeout=1)" 2>/dev/null; then
            return 0
        fi
        if ! kill -0 "$MOTO_PID" 2>/dev/null; then
            echo "apitrace: the emulator did not start; its log ($log):" >&2
            tail -20 "$log" >&2
            return 1
        fi
        sleep 0.2
    done
    echo "apitrace: the emulator did not answer on port $MOTO_PORT within 20 s" >&2
    stop_emulator
    return 1
}

stop_emulator() {
    if [ -n "$MOTO_PID" ]; then
        kill "$MOTO_PID" 2>/dev/null || true
        wait "$MOTO_PID" 2>/dev/null || true
        MOTO_PID=""
    fi
}

# The environment every emulator client needs: loopback endpoint, dummy keys, a region,
# and no IMDS lookups.
emulator_env() {
    export AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT"
    export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
    export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_DEFAULT_REGION="${AWS_REGION:-us-east-1}"
    export AWS_EC2_METADATA_DISABLED=true
    unset AWS_PROFILE AWS_SESSION_TOKEN
}
