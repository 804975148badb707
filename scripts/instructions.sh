#!/usr/bin/env bash
# Instructions per iteration of each case of benches/authenticate.rs, counted
# by callgrind inside the benchmark's `measured_loop` only. Unlike wall-clock
# time, the counts do not change with the machine's load, so they show where
# a change moved the cost while other builds share the cores.
#
# Callgrind hides SHA-NI from the program, so sha2 falls back to its
# software rounds here: SHA-256 weighs far more in these counts than in
# real time on a CPU that has SHA-NI.
#
# Needs valgrind (Debian: `apt-get install valgrind`). Writes one callgrind
# profile per case to target/instructions/; read one with
# `callgrind_annotate --inclusive=yes FILE`.
#
# Usage: scripts/instructions.sh [ITERATIONS] [CASE...]
#   ITERATIONS  iterations per case [default: 2000]
#   CASE        "<group>/<name>" as in the benchmark [default: every case]
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v valgrind > /dev/null; then
    echo "error: valgrind is not installed; on Debian: apt-get install valgrind" >&2
    exit 1
fi

iterations="${1:-2000}"
shift || true
cases=("$@")
if [[ ${#cases[@]} -eq 0 ]]; then
    cases=(
        "verify/1 floor"
        "verify/2 jsonwebtoken decode"
        "verify/3 JwtAuthentication"
        "verify/6 QueryParamJwtAuthentication"
        "handler/4 protected"
        "handler/4 unprotected"
        "handler/4 extractor doing nothing"
        "diagnostic/3 on a new request each time"
        "diagnostic/building a new request"
        "issue/5 login"
        "issue/5 two jsonwebtoken encodes"
    )
fi

binary="$(cargo bench --bench authenticate --no-run --message-format=json 2> /dev/null |
    sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)"
if [[ -z "$binary" ]]; then
    echo "error: cargo did not report the benchmark's executable" >&2
    exit 1
fi
mkdir -p target/instructions

printf '| case | instructions per iteration |\n|---|---|\n'
for case in "${cases[@]}"; do
    profile="target/instructions/${case//[^A-Za-z0-9]/_}.callgrind"
    AUTH_BENCH_CASE="$case" AUTH_BENCH_ITERATIONS="$iterations" \
        valgrind --tool=callgrind --callgrind-out-file="$profile" \
        --collect-atstart=no --toggle-collect='*measured_loop*' "$binary" 2> "$profile.log"
    total="$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$profile.log")"
    awk -v name="$case" -v total="$total" -v count="$iterations" \
        'BEGIN { printf "| %s | %.0f |\n", name, total / count }'
done
