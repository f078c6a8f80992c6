#!/usr/bin/env bash
# Run every test of CutBridge: formatting, lints, the Rust test suites (which also drive the real
# binary and check its files with OpenTimelineIO), the Python adapter tests, and the public
# evaluation set. Installs what it needs (pip packages) idempotently and quietly.
#
#   ./scripts/test.sh
#
# Ends with one line `tests: N passed, M failed`.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

log "installing test dependencies (pip, apt; quietly)"
python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore -r requirements-dev.txt
# Lua 5.1 (Resolve's Lua) checks and runs resolve-scripts' free-edition script.
if ! command -v luac5.1 >/dev/null || ! command -v lua5.1 >/dev/null; then
  (apt-get update -qq && apt-get install -y -qq lua5.1) >/dev/null 2>&1 \
    || echo "warning: could not install lua5.1 (apt-get install -y lua5.1); the Lua tests will fail"
fi

log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

log "cargo test"
out=$(mktemp)
status=0
cargo test --workspace 2>&1 | tee "$out" || status=$?
passed=$(awk '/^test result:/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^passed;/) s += $i } END { print s + 0 }' "$out")
failed=$(awk '/^test result:/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^failed;/) s += $i } END { print s + 0 }' "$out")
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi

if compgen -G "resolve-scripts/tests/test_*.py" >/dev/null || compgen -G "tests/python/test_*.py" >/dev/null; then
  log "pytest"
  pyout=$(mktemp)
  pystatus=0
  python3 -m pytest -q resolve-scripts/tests tests/python 2>&1 | tee "$pyout" || pystatus=$?
  p=$(grep -Eo '[0-9]+ passed' "$pyout" | tail -1 | grep -Eo '[0-9]+' || echo 0)
  f=$(grep -Eo '[0-9]+ failed' "$pyout" | tail -1 | grep -Eo '[0-9]+' || echo 0)
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$pystatus" -ne 0 ] && [ "$pystatus" -ne 5 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi
fi

if [ -f ../shared/eval/score.py ]; then
  log "public evaluation set (../shared/eval/dev)"
  cargo build --release -q -p bridge-daemon
  target=${CARGO_TARGET_DIR:-target}
  python3 ../shared/eval/score.py --set ../shared/eval/dev --bin "$target/release/bridge-daemon" --jobs 2 | tail -n 5
fi

echo
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
