#!/usr/bin/env bash
# Contract fuzzing: schemathesis against each dialect's OpenAPI document, served by a real
# `interviewd serve` on loopback (docs/openapi.md explains the runs and every setting here).
#
# Per dialect, two bounded runs (fixed seed, few examples, all phases including stateful):
#   1. as company A (an all-scopes key);
#   2. as company B, on the same database (A's objects from run 1 are there).
# Both declare the two companies as peers, so the `object_level_authorization` check replays
# each read of one company's object with the other company's key and fails if it gets it.
# Any failure fails the script.
#
# The server and schemathesis run in a network namespace of their own (`unshare --net`):
# only loopback exists there, so nothing the fuzzer makes the server do (webhook deliveries,
# callbacks, DNS look-ups) can leave the machine.
#
# Environment: INTERVIEWD_BIN (default: $CARGO_TARGET_DIR or target, then debug/interviewd,
# built if missing),
# ST_VENV (default: target/schemathesis-venv), ST_DIALECTS (default: all three),
# ST_MAX_EXAMPLES (default 10), ST_SEED (default 20261122).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

ST_VERSION=4.32.5
target_dir=${CARGO_TARGET_DIR:-$root/target}
venv=${ST_VENV:-$target_dir/schemathesis-venv}
bin=${INTERVIEWD_BIN:-$target_dir/debug/interviewd}

if [ -z "${INTERVIEWD_FUZZ_NETNS:-}" ]; then
    if [ ! -x "$bin" ]; then
        cargo build --quiet -p interviewd --bin interviewd
    fi
    if [ "$("$venv/bin/st" --version 2>/dev/null)" != "st, version $ST_VERSION" ]; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet "schemathesis==$ST_VERSION"
    fi
    exec unshare --net env INTERVIEWD_FUZZ_NETNS=1 INTERVIEWD_BIN="$bin" ST_VENV="$venv" bash "$0" "$@"
fi

ip link set lo up
work=$(mktemp -d)
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# A fast engine, generous rate limits (429s would hide the operations' own answers), and a
# fresh database.
export INTERVIEWD_DATA_DIR="$work/data"
export INTERVIEWD_SIMULATOR_TURN_MS=0
export INTERVIEWD_CALL_RETRY_DELAY_MS=0
export INTERVIEWD_ENGINE_POLL_MS=50
export INTERVIEWD_DELIVERY_POLL_MS=50
export INTERVIEWD_WEBHOOK_RETRY_SCALE=0.001
export INTERVIEWD_MAIL_RETRY_SCALE=0.001
export INTERVIEWD_RATE_LIMIT_PER_MINUTE=1000000
export INTERVIEWD_RATE_LIMIT_PER_HOUR=100000000
export RUST_LOG=${RUST_LOG:-warn}

new_key() {
    local company
    company=$("$bin" companies create --name "$1" --plan ENTERPRISE |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
    "$bin" keys create --company "$company" --scopes all |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["key"])'
}
# The admin commands never create a database (docs/operations.md, "First run").
"$bin" migrate
key_a=$(new_key "Fuzz A")
key_b=$(new_key "Fuzz B")

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$bin" serve --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do
    if python3 -c "import urllib.request; urllib.request.urlopen('$base/healthz')" 2>/dev/null; then break; fi
    sleep 0.1
done

export SCHEMATHESIS_HOOKS=schemathesis_hooks
export PYTHONPATH="$root/.ci${PYTHONPATH:+:$PYTHONPATH}"

# `auth_header NAME KEY`: the dialect's credential header.
auth_header() {
    case "$1" in
        xobin) echo "apiKey: $2" ;;
        *) echo "Authorization: Bearer $2" ;;
    esac
}

failed=0
for dialect in ${ST_DIALECTS:-instaview alpharun xobin}; do
    header_a=$(auth_header "$dialect" "$key_a")
    header_b=$(auth_header "$dialect" "$key_b")
    python3 - "$work/peers-$dialect.json" "$header_a" "$header_b" <<'EOF'
import json, sys
path, a, b = sys.argv[1:]
def user(name, header):
    key, value = header.split(": ", 1)
    return {"name": name, "fixedHeaders": [{"name": key, "value": value}]}
json.dump({"auth": [user("company-a", a), user("company-b", b)]}, open(path, "w"))
EOF
    for run in owner other-company; do
        user=company-a
        if [ "$run" = other-company ]; then user=company-b; fi
        config="$work/$dialect-$run.toml"
        {
            cat "$root/.ci/schemathesis.toml"
            printf '\n[auth.wfc]\npath = "%s"\nuser = "%s"\npeers = ["company-a", "company-b"]\n' \
                "$work/peers-$dialect.json" "$user"
        } >"$config"
        echo "== schemathesis: $dialect ($run)"
        args=(run "$base/openapi/$dialect.json"
            --seed "${ST_SEED:-20261122}" --max-examples "${ST_MAX_EXAMPLES:-10}"
            --workers 1 --request-timeout 20 --no-color)
        if ! (cd "$work" && "$venv/bin/st" --config-file "$config" "${args[@]}"); then
            failed=1
        fi
    done
done

if [ "$failed" != 0 ]; then
    echo "schemathesis found failures; server log:" >&2
    tail -n 50 "$work/serve.log" >&2
    exit 1
fi
echo "schemathesis: no failures"
