#!/usr/bin/env bash
# Run every fuzz target under libFuzzer for a bounded time: scripts/fuzz.sh [SECONDS_EACH=20]
#
# cargo fuzz passes nightly-only flags (-Zsanitizer=address) to rustc; RUSTC_BOOTSTRAP=1 lets the
# stable toolchain accept them. Crashes land in fuzz/artifacts/TARGET/ (reproduce one with
# `RUSTC_BOOTSTRAP=1 cargo fuzz run TARGET fuzz/artifacts/TARGET/crash-…`); the corpus grows in
# fuzz/corpus/TARGET/. Both are ignored by git.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
if ! command -v cargo-fuzz >/dev/null; then
    echo "fuzz.sh: cargo-fuzz is missing: cargo install cargo-fuzz" >&2
    exit 1
fi
export RUSTC_BOOTSTRAP=1
# Seed inputs: the sample and the fixtures, so the fuzzer starts from valid timelines.
declare -A seeds=(
    [otio_reader]="examples tests/interchange/fixtures"
    [srt_reader]="examples"
    [timecode]=""
    [rpc_decoder]=""
)
declare -A dicts=(
    [otio_reader]="-dict=fuzz/otio.dict"
    [srt_reader]="-dict=fuzz/srt.dict"
    [timecode]=""
    [rpc_decoder]=""
)
for target in otio_reader srt_reader timecode rpc_decoder; do
    mkdir -p "fuzz/corpus/$target"
    echo "== $target (${seconds}s)"
    # shellcheck disable=SC2086 # the seed folders and dictionary options are meant to split
    cargo fuzz run "$target" "fuzz/corpus/$target" ${seeds[$target]} -- \
        -max_total_time="$seconds" -timeout=10 -print_final_stats=1 ${dicts[$target]}
done
