#!/usr/bin/env bash
# Fuzz smoke run: every target for a short while (FUZZ_SECONDS, default 25 s each), starting
# from the checked-in seed corpus (fuzz/corpus/<target>/seed-*). Needs the nightly toolchain
# and cargo-fuzz (`cargo install cargo-fuzz`). Exits non-zero on the first crash; the input
# that crashed is left in fuzz/artifacts/<target>/. Built without a sanitizer (`-s none`): the code
# under test is safe Rust, and AddressSanitizer made store_ops 5x slower (16 against 80 runs/s).
set -euo pipefail
cd "$(dirname "$0")"
secs="${FUZZ_SECONDS:-25}"
log="$(mktemp)"
# The targets keep their stores under the temp dir, named by process id; libFuzzer exits without
# running destructors, so give each run a temp dir of its own and remove it afterwards.
scratch="$(mktemp -d)"
trap 'rm -rf "$log" "$scratch"' EXIT
for target in envelope_decode trade_import store_ops snapshot_import candle_import document_schema wal_replay redo_replay; do
    echo "== fuzz $target for ${secs}s"
    mkdir -p "corpus/$target"
    if ! TMPDIR="$scratch" cargo +nightly fuzz run -s none "$target" "corpus/$target" -- \
        -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "fuzz target $target crashed; reproduce with: cargo +nightly fuzz run -s none $target fuzz/artifacts/$target/<file>"
        exit 1
    fi
    grep -E "^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)" "$log" || true
done
