#!/usr/bin/env bash
# End-to-end load on loopback: starts the example server, registers and logs
# in a user, then runs wrk against GET /me with the access token and against
# GET /whoami without credentials. Prints requests per second for both and
# fails on any socket error or any response that is not 200.
#
# Needs curl and wrk (Debian: `apt-get install wrk`). The server is built in
# release mode. Traffic goes to 127.0.0.1 only.
#
# Usage: scripts/load.sh [SECONDS] [CONNECTIONS]
#   SECONDS      duration of each wrk run [default: 10]
#   CONNECTIONS  open connections [default: 32]
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${1:-10}"
connections="${2:-32}"

for tool in curl wrk; do
    if ! command -v "$tool" > /dev/null; then
        echo "error: $tool is not installed; on Debian: apt-get install $tool" >&2
        exit 1
    fi
done

cargo build --quiet --release --example server

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2> /dev/null || true
        wait "$server_pid" 2> /dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# Per-request logs would measure the terminal, not the server: only the
# startup line that names the bound address is kept.
: > "$work/server.log"
DATABASE_URL="sqlite:$work/load.db" \
    SECRET_KEY="load test key $(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
    RUST_LOG="warn,server=info" \
    NO_COLOR=1 \
    target/release/examples/server --addr 127.0.0.1:0 > "$work/server.log" 2>&1 &
server_pid=$!

address=""
for _ in $(seq 1 300); do
    address="$(sed -n 's/.*listening on http:\/\/\([0-9.:]*\).*/\1/p' "$work/server.log" | head -n 1)"
    if [[ -n "$address" ]] || ! kill -0 "$server_pid" 2> /dev/null; then
        break
    fi
    sleep 0.1
done
if [[ -z "$address" ]]; then
    echo "error: the server did not report its address; its log:" >&2
    cat "$work/server.log" >&2
    exit 1
fi
case "$address" in
    127.0.0.1:*) ;;
    *)
        echo "error: the server listens on $address, not on loopback" >&2
        exit 1
        ;;
esac

credentials='{"username": "load", "password": "a long enough load test password"}'
curl --silent --show-error --fail --output /dev/null \
    --header 'content-type: application/json' --data "$credentials" \
    "http://$address/register"
tokens="$(curl --silent --show-error --fail \
    --header 'content-type: application/json' --data "$credentials" \
    "http://$address/login")"
access_token="$(sed -n 's/.*"access_token": *"\([^"]*\)".*/\1/p' <<< "$tokens")"
if [[ -z "$access_token" ]]; then
    echo "error: /login returned no access token: $tokens" >&2
    exit 1
fi
# One checked request each, so that the load below measures working routes.
curl --silent --show-error --fail --output /dev/null \
    --header "authorization: Bearer $access_token" "http://$address/me"
curl --silent --show-error --fail --output /dev/null "http://$address/whoami"

failed=0

# Runs wrk and prints "<requests per second>", or fails on errors.
run_wrk() {
    local name="$1"
    shift
    local output
    output="$(wrk --threads 1 --connections "$connections" --duration "${duration}s" "$@")"
    echo "$output" > "$work/$name.wrk"
    if grep -qE 'Socket errors|Non-2xx or 3xx responses' <<< "$output"; then
        echo "error: $name had errors:" >&2
        echo "$output" >&2
        failed=1
    fi
    sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' <<< "$output"
}

me="$(run_wrk me --header "authorization: Bearer $access_token" "http://$address/me")"
whoami="$(run_wrk whoami "http://$address/whoami")"

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk: 1 thread, $connections connections, ${duration}s per route, on $address"
printf '| route | requests/s |\n|---|---|\n'
printf '| GET /me with a valid access token | %s |\n' "$me"
printf '| GET /whoami without credentials | %s |\n' "$whoami"
python3 -c "print(f'/me / /whoami: {float(\"$me\") / float(\"$whoami\"):.2f}')" 2> /dev/null || true
exit "$failed"
