#!/usr/bin/env bash
# Everything the real-parts tests need, in order, with the time of each step:
# browser (Debian chromium + fonts + pngquant + poppler-utils), node (e2e/ modules), voice (the speech venv,
# sox, espeak-ng), s3 (moto's S3-compatible server), llm (the llama-cpp-python venv and SmolLM2). A cold run takes about
# 10 minutes on 2 cores (the llama-cpp-python build is most of it); a warm one a few seconds.
#
# Usage: .ci/setup/all.sh [STEP...]   (default: browser node voice s3 llm)
# On success the last lines are `export NAME=value` lines for the paths the tests read, so a
# caller can `eval "$(.ci/setup/all.sh | grep '^export ')"`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(browser node voice s3 llm)

# Elapsed seconds since a ${EPOCHREALTIME/./} stamp (microseconds), with one decimal.
since() { local us=$(( ${EPOCHREALTIME/./} - $1 )); printf '%d.%d' $((us / 1000000)) $((us / 100000 % 10)); }

declare -A result
total_start=${EPOCHREALTIME/./}
for step in "${steps[@]}"; do
    [ -f "$here/$step.sh" ] || { echo "unknown step: $step" >&2; exit 2; }
    start=${EPOCHREALTIME/./}
    result[$step]=$(bash "$here/$step.sh" | tail -n 1)
    printf '[setup] %-8s %7s s\n' "$step" "$(since "$start")" >&2
done
printf '[setup] %-8s %7s s\n' total "$(since "$total_start")" >&2

cache=${INTERVIEWD_CACHE:-$HOME/.cache/interviewd}
[ -n "${result[browser]:-}" ] && echo "export INTERVIEWD_CHROMIUM=${result[browser]}"
[ -n "${result[node]:-}" ] && echo "export INTERVIEWD_E2E_NODE_MODULES=${result[node]}"
[ -n "${result[voice]:-}" ] && echo "export INTERVIEWD_VOICE_VENV=${result[voice]}"
[ -n "${result[s3]:-}" ] && echo "export INTERVIEWD_MOTO_SERVER=${result[s3]}"
if [ -n "${result[llm]:-}" ]; then
    echo "export INTERVIEWD_LLM_VENV=${INTERVIEWD_LLM_VENV:-$cache/venv-llm}"
    echo "export INTERVIEWD_LLM_GGUF=${result[llm]}"
fi
