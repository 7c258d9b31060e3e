#!/usr/bin/env bash
# Regenerate the "Full --help" section of README.md from the binary (a test checks that
# it is in sync: tests/cli/docs.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --locked
bin="${CARGO_TARGET_DIR:-target}/debug/apitrace"
python3 - "$bin" <<'PY'
import re, subprocess, sys
bin = sys.argv[1]
blocks = []
for sub in ["get", "trace", "errors", "summary", "compare", "groups", "apis", "query"]:
    out = subprocess.run([bin, sub, "--help"], capture_output=True, text=True, env={"COLUMNS": "100", "PATH": "/usr/bin:/bin"}, check=True).stdout
    blocks.append(f"### `apitrace {sub} --help`\n\n```text\n{out.rstrip()}\n```\n")
text = open("README.md").read()
start, end = "<!-- help:start -->", "<!-- help:end -->"
new = start + "\n" + "\n".join(blocks) + end
text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: new, text, flags=re.S)
open("README.md", "w").write(text)
PY
