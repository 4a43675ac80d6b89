#!/usr/bin/env bash
# smoke-real-parts.sh [speech] [llm] [browser]
#
# Checks the real engines the tests use, end to end on this machine, and prints how long each
# step took: the speech server (piper voice -> Whisper back to the key words, WAV and PCM, the
# μ-law phone variant, a 400 on bad input), the LLM server (a streamed chat completion; a
# completion constrained by response_format json_object + schema, which must parse and have
# the schema's fields) and the browser self-test (e2e/selftest.js). Run after
# .ci/setup/all.sh. Ends with an "N passed, N failed" line; exits non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${INTERVIEWD_CACHE:-$HOME/.cache/interviewd}
voice_py=${INTERVIEWD_VOICE_VENV:-$cache/venv-voice}/bin/python
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(speech llm browser)

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
port=""

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
ms() { echo $(( (${EPOCHREALTIME/./} - $1) / 1000 )); }

# `start_server LOG CMD...`: runs CMD in the background, waits for the port on its first
# stdout line (at most 120 s) and sets `port` to it.
start_server() {
    local log=$1
    shift
    "$@" >"$work/port" 2>"$log" &
    pids+=($!)
    local _
    for _ in $(seq 600); do
        if [ -s "$work/port" ] && [ "$(wc -l <"$work/port")" -ge 1 ]; then
            port=$(head -n 1 "$work/port")
            return 0
        fi
        kill -0 "${pids[-1]}" 2>/dev/null || break
        sleep 0.2
    done
    echo "server did not start: $*" >&2
    tail -n 20 "$log" >&2
    return 1
}

# `has TEXT WORD...`: every word (case-insensitive) is in TEXT.
has() {
    local text=${1,,} w
    shift
    for w in "$@"; do [[ $text == *"${w,,}"* ]] || return 1; done
}

speech() {
    local t base text code
    t=${EPOCHREALTIME/./}
    start_server "$work/speech.log" "$voice_py" "$root/tools/speech-server.py" 0 ||
        { bad "speech server start"; return; }
    base=http://127.0.0.1:$port
    ok "speech server ready on $port in $(ms "$t") ms"

    t=${EPOCHREALTIME/./}
    "$root/tools/make-answer-wav.sh" "I have five years of experience with Rust and PostgreSQL. I led a team that built a payment service." "$work/answer.wav"
    ok "make-answer-wav.sh in $(ms "$t") ms ($(stat -c %s "$work/answer.wav") bytes)"

    t=${EPOCHREALTIME/./}
    text=$(curl -sf "$base/v1/audio/transcriptions" -F file=@"$work/answer.wav" -F model=whisper-1 -F response_format=text)
    if has "$text" "five years" experience rust "payment service"; then
        ok "transcription of the answer in $(ms "$t") ms: $text"
    else bad "transcription of the answer: $text"; fi

    "$root/tools/make-answer-ulaw.sh" "Yes, I can start next month." "$work/answer.ulaw"
    sox -q -t raw -r 8000 -c 1 -e u-law "$work/answer.ulaw" -r 16000 -e signed -b 16 "$work/ulaw16k.wav"
    t=${EPOCHREALTIME/./}
    text=$(curl -sf "$base/v1/audio/transcriptions" -F file=@"$work/ulaw16k.wav" -F model=whisper-1 -F response_format=text)
    if has "$text" start "next month"; then
        ok "transcription of the 8 kHz μ-law answer in $(ms "$t") ms: $text"
    else bad "transcription of the μ-law answer: $text"; fi

    for fmt in wav pcm; do
        t=${EPOCHREALTIME/./}
        code=$(curl -s -o "$work/tts.$fmt" -w '%{http_code}' "$base/v1/audio/speech" -H 'content-type: application/json' \
            -d "{\"model\":\"tts-1\",\"voice\":\"alloy\",\"input\":\"Thanks for joining. Tell me about your last project.\",\"response_format\":\"$fmt\"}")
        local took
        took=$(ms "$t")
        if [ "$fmt" = pcm ]; then
            sox -q -t raw -r 24000 -e signed -b 16 -c 1 "$work/tts.pcm" "$work/tts-pcm.wav"
        else
            cp "$work/tts.wav" "$work/tts-pcm.wav"
        fi
        text=$(curl -sf "$base/v1/audio/transcriptions" -F file=@"$work/tts-pcm.wav" -F response_format=text || true)
        if [ "$code" = 200 ] && has "$text" "thanks for joining" "last project"; then
            ok "speech $fmt in $took ms ($(stat -c %s "$work/tts.$fmt") bytes), heard back: $text"
        else bad "speech $fmt: HTTP $code, heard back: $text"; fi
    done

    code=$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/audio/speech" -H 'content-type: application/json' -d '{"input":""}')
    if [ "$code" = 400 ]; then ok "empty speech input -> 400"; else bad "empty speech input -> $code"; fi
}

llm() {
    local t base out
    t=${EPOCHREALTIME/./}
    start_server "$work/llm.log" bash "$root/tools/llm-server.sh" 0 || { bad "llm server start"; return; }
    base=http://127.0.0.1:$port
    ok "llm server ready on $port in $(ms "$t") ms"

    t=${EPOCHREALTIME/./}
    out=$(curl -sfN "$base/v1/chat/completions" -H 'content-type: application/json' -d '{"model":"smollm2","stream":true,"temperature":0,"max_tokens":40,"messages":[{"role":"system","content":"You are a job interviewer. Ask one short follow-up question."},{"role":"user","content":"I led a team that built a payment service."}]}' |
        python3 -c 'import json, sys
chunks = [json.loads(l[6:]) for l in sys.stdin if l.startswith("data: {")]
text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
assert len(chunks) > 5 and text.strip(), "no streamed content"
print(f"{len(chunks)} chunks: {text.strip()[:120]}")') || out=""
    if [ -n "$out" ]; then ok "streamed chat in $(ms "$t") ms, $out"; else bad "streamed chat"; fi

    t=${EPOCHREALTIME/./}
    out=$(curl -sf "$base/v1/chat/completions" -H 'content-type: application/json' -d '{"model":"smollm2","temperature":0,"max_tokens":120,"messages":[{"role":"system","content":"You assess job interview answers. Reply with JSON: score (1-5), strengths, weaknesses."},{"role":"user","content":"Answer: I have five years of experience with Rust and PostgreSQL."}],"response_format":{"type":"json_object","schema":{"type":"object","properties":{"score":{"type":"integer","minimum":1,"maximum":5},"strengths":{"type":"array","items":{"type":"string"}},"weaknesses":{"type":"array","items":{"type":"string"}}},"required":["score","strengths","weaknesses"]}}}' |
        python3 -c 'import json, sys
content = json.load(sys.stdin)["choices"][0]["message"]["content"]
v = json.loads(content)
assert isinstance(v.get("score"), int) and isinstance(v.get("strengths"), list) and isinstance(v.get("weaknesses"), list), content
print(content.strip())') || out=""
    if [ -n "$out" ]; then ok "json_object + schema in $(ms "$t") ms: $out"; else bad "json_object + schema"; fi
}

browser() {
    local t
    t=${EPOCHREALTIME/./}
    if node "$root/e2e/selftest.js" >"$work/selftest.log" 2>&1; then
        ok "browser self-test in $(ms "$t") ms"
        grep '^# \(frames\|transcript\|axe\)' "$work/selftest.log" | sed 's/^#/    /'
    else
        bad "browser self-test"
        tail -n 40 "$work/selftest.log"
    fi
}

for part in "${parts[@]}"; do
    case "$part" in
        speech | llm | browser) "$part" ;;
        *) echo "unknown part: $part" >&2; exit 2 ;;
    esac
done
echo "smoke: $passed passed, $failed failed"
[ "$failed" = 0 ]
