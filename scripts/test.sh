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

# Debian packages the tests use, installed only when missing (needs root, as on CI).
need_apt() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} (apt, quietly)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}
# libclang-dev: the OFX bindings staleness test regenerates them with bindgen. chromium and
# espeak-ng: the Premiere panel test drives a real browser with speech as its microphone, and the
# report test screenshots the HTML report (the CJK font makes Chinese text in screenshots readable).
# lua5.1 (Resolve's Lua) checks and runs resolve-scripts' free-edition script. sox joins the
# espeak-ng sentences of the voice tests; libasound2-dev (ALSA) builds the `mic` feature (cpal).
# ffmpeg encodes the silence tests' MP4, MOV and MXF media (and is the daemon's fallback decoder).
need_apt libclang-dev chromium espeak-ng fonts-wqy-microhei lua5.1 sox libasound2-dev ffmpeg

log "installing test dependencies (pip, quietly)"
python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore -r requirements-dev.txt

log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

# The daemon's microphone is an optional feature (ALSA on Linux): compiled and linted here so
# that it cannot rot, though no test machine has a microphone.
log "cargo clippy -p bridge-daemon --features mic"
cargo clippy -p bridge-daemon --features mic --all-targets --quiet -- -D warnings

# The engine and the voice crate without their models (no candle): what `cargo test -p
# cutbridge-engine --no-default-features` builds, linted so that the feature gates cannot rot.
log "cargo clippy -p cutbridge-engine -p cutbridge-voice --no-default-features"
cargo clippy -p cutbridge-engine -p cutbridge-voice --no-default-features --all-targets --quiet -- -D warnings

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
  pydirs=()
  for d in resolve-scripts/tests tests/python; do [ -d "$d" ] && pydirs+=("$d"); done
  python3 -m pytest -q "${pydirs[@]}" 2>&1 | tee "$pyout" || pystatus=$?
  p=$(grep -Eo '[0-9]+ passed' "$pyout" | tail -1 | grep -Eo '[0-9]+' || echo 0)
  f=$(grep -Eo '[0-9]+ failed' "$pyout" | tail -1 | grep -Eo '[0-9]+' || echo 0)
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$pystatus" -ne 0 ] && [ "$pystatus" -ne 5 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi
fi

log "extendscript: Node tests (node --test; real daemon, headless Chromium)"
cargo build -q -p bridge-daemon
( cd extendscript
  if [ ! -f node_modules/.installed ] || [ package-lock.json -nt node_modules/.installed ]; then
    npm ci --no-audit --no-fund --silent && touch node_modules/.installed
  fi )
jsout=$(mktemp)
jsstatus=0
(cd extendscript && node --test test/*.test.js uxp/test/*.test.js) 2>&1 | tee "$jsout" || jsstatus=$?
p=$(awk '/^# pass [0-9]+$/ { s = $3 } END { print s + 0 }' "$jsout")
f=$(awk '/^# fail [0-9]+$/ { s = $3 } END { print s + 0 }' "$jsout")
passed=$((passed + p))
failed=$((failed + f))
if [ "$jsstatus" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi

if [ -f ../shared/eval/score.py ]; then
  log "public evaluation set (../shared/eval/dev)"
  # The binary `cargo test` just built: this checks what the answers are. (A release build would
  # compile every dependency again, candle's among them, for minutes; speed is measured by the
  # benchmarks, `cargo bench`, not here.)
  cargo build -q -p bridge-daemon
  target=${CARGO_TARGET_DIR:-target}
  python3 ../shared/eval/score.py --set ../shared/eval/dev --bin "$target/debug/bridge-daemon" --jobs 2 | tail -n 5
fi

echo
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
