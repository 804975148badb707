#!/usr/bin/env bash
# Runs benches/authenticate.rs under criterion and prints the figures of
# BENCHMARKS.md: each median, and each target as a ratio of medians taken in
# this one run, with the machine and its load.
#
# Needs cargo and python3.
#
# Usage: scripts/bench-report.sh [CRITERION ARGUMENTS...]
#   for example: scripts/bench-report.sh --measurement-time 10
set -euo pipefail
cd "$(dirname "$0")/.."

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
cargo bench --bench authenticate -- "$@" >&2
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)"
echo "load average (1, 5, 15 min): $load_before before, $load_after after"
echo "rustc: $(rustc --version)"
echo

python3 - << 'EOF'
import json
import pathlib

root = pathlib.Path("target/criterion")


def median(group, name):
    estimates = json.loads((root / group / name / "new" / "estimates.json").read_text())
    return estimates["median"]["point_estimate"]


floor = median("verify", "1 floor")
decode = median("verify", "2 jsonwebtoken decode")
header = median("verify", "3 JwtAuthentication")
query = median("verify", "6 QueryParamJwtAuthentication")
protected = median("handler", "4 protected")
unprotected = median("handler", "4 unprotected")
extractor = median("handler", "4 extractor doing nothing")
fresh = median("diagnostic", "3 on a new request each time")
building = median("diagnostic", "building a new request")
login = median("issue", "5 login")
encodes = median("issue", "5 two jsonwebtoken encodes")

print("| benchmark | median (ns) |")
print("|---|---|")
for name, value in [
    ("1 floor", floor),
    ("2 jsonwebtoken decode", decode),
    ("3 JwtAuthentication", header),
    ("4 protected handler", protected),
    ("4 unprotected handler", unprotected),
    ("4 handler with an extractor that does nothing", extractor),
    ("3 on a new request each time", fresh),
    ("building a new request", building),
    ("5 login", login),
    ("5 two jsonwebtoken encodes", encodes),
    ("6 QueryParamJwtAuthentication", query),
]:
    print(f"| {name} | {value:.0f} |")
print()

print("| ratio | value | target | met |")
print("|---|---|---|---|")
for name, value, target, met in [
    ("(3) / (1)", header / floor, "at most 1.3", header / floor <= 1.3),
    ("(3) / (2)", header / decode, "below 1.0", header / decode < 1.0),
    (
        "((4) protected - (4) unprotected) / (3)",
        (protected - unprotected) / header,
        "at most 1.2",
        (protected - unprotected) / header <= 1.2,
    ),
    (
        "((4) extractor doing nothing - (4) unprotected) / (3)",
        (extractor - unprotected) / header,
        "none: axum's share",
        None,
    ),
    (
        "((4) protected - (4) extractor doing nothing) / (3)",
        (protected - extractor) / header,
        "none: this crate's share",
        None,
    ),
    (
        "((3) on a new request - building it) / (3)",
        (fresh - building) / header,
        "none: (3) outside axum, with fresh data",
        None,
    ),
    ("(5) login / two encodes", login / encodes, "at most 1.0", login / encodes <= 1.0),
    ("(6) / (1)", query / floor, "none", None),
    ("(6) / (2)", query / decode, "none", None),
]:
    verdict = "" if met is None else ("yes" if met else "no")
    print(f"| {name} | {value:.2f} | {target} | {verdict} |")
EOF
