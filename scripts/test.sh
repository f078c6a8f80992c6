#!/usr/bin/env bash
# Run every test of CutBridge: formatting, lints, the Rust test suites (which also drive the real
# binary and check its files with OpenTimelineIO), the Python adapter tests, and the public
# evaluation set and the Premiere panel's Node tests. Installs what it needs (pip packages, npm
# packages for extendscript/, chromium and espeak-ng) idempotently and quietly.
#
#   ./scripts/test.sh
#
# Ends with one line `tests: N passed, M failed`.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

log "installing test dependencies (pip, quietly)"
python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore -r requirements-dev.txt

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

log "extendscript: Node tests (node --test; real daemon, headless Chromium)"
# The panel test drives Debian's chromium and speaks through espeak-ng: install them when missing
# (quietly, idempotently); without root the test fails with the apt-get line instead. The CJK
# font only makes the panel's screenshots readable.
if ! command -v chromium >/dev/null || ! command -v espeak-ng >/dev/null || ! dpkg -s fonts-wqy-microhei >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium espeak-ng fonts-wqy-microhei >/dev/null 2>&1 || true
  fi
fi
cargo build -q -p bridge-daemon
( cd extendscript
  if [ ! -f node_modules/.installed ] || [ package-lock.json -nt node_modules/.installed ]; then
    npm ci --no-audit --no-fund --silent && touch node_modules/.installed
  fi )
jsout=$(mktemp)
jsstatus=0
(cd extendscript && node --test test/*.test.js) 2>&1 | tee "$jsout" || jsstatus=$?
p=$(awk '/^# pass [0-9]+$/ { s = $3 } END { print s + 0 }' "$jsout")
f=$(awk '/^# fail [0-9]+$/ { s = $3 } END { print s + 0 }' "$jsout")
passed=$((passed + p))
failed=$((failed + f))
if [ "$jsstatus" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi

if [ -f ../shared/eval/score.py ]; then
  log "public evaluation set (../shared/eval/dev)"
  cargo build --release -q -p bridge-daemon
  target=${CARGO_TARGET_DIR:-target}
  python3 ../shared/eval/score.py --set ../shared/eval/dev --bin "$target/release/bridge-daemon" --jobs 2 | tail -n 5
fi

echo
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
