#!/usr/bin/env bash
# make-answer-ulaw.sh TEXT OUT.ulaw
#
# The phone variant of make-answer-wav.sh: the same spoken answer as headerless G.711 μ-law,
# 8 kHz mono, i.e. the payload a Twilio / Telnyx Media Streams carrier sends in its `media`
# frames (160 bytes = 20 ms each). With OUT ending in .wav instead, a μ-law WAV (with header)
# is written, which sox and ffmpeg can play back.
set -euo pipefail
if [ $# -ne 2 ] || [ -z "$1" ]; then
    echo "usage: $0 TEXT OUT.ulaw|OUT.wav" >&2
    exit 2
fi
out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$(dirname "$0")/make-answer-wav.sh" "$1" "$tmp/answer16k.wav"
case "$out" in
    *.wav) sox -q "$tmp/answer16k.wav" -r 8000 -c 1 -e u-law -b 8 "$tmp/out.wav" && mv "$tmp/out.wav" "$out" ;;
    *) sox -q "$tmp/answer16k.wav" -r 8000 -c 1 -e u-law -b 8 -t raw "$tmp/out.raw" && mv "$tmp/out.raw" "$out" ;;
esac
