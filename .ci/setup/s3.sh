#!/usr/bin/env bash
# An S3-compatible server for the object-store tests: moto in server mode (`moto_server`,
# PyPI `moto[server]`), in a venv at $INTERVIEWD_CACHE/venv-s3. The tests and the benchmarks
# start it on a loopback port of their own (crates/s3-server) and speak SigV4 to it through
# object_store, as they would to AWS or any S3-compatible store.
#
# Idempotent: a stamp in the venv records the pinned set; when it matches and the server's
# entry point is there, nothing is run. Transitive versions are pinned by s3-constraints.txt.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

PACKAGES=("moto[server]==5.1.18")
venv=${INTERVIEWD_S3_VENV:-$INTERVIEWD_CACHE/venv-s3}
constraints=$(cd "$(dirname "$0")" && pwd)/s3-constraints.txt
py=$venv/bin/python
stamp=$venv/.interviewd-s3

want="${PACKAGES[*]} $(sha256sum "$constraints" | cut -c1-16)"
exec 9>"$INTERVIEWD_CACHE/venv-s3.lock"
flock 9
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || [ ! -x "$venv/bin/moto_server" ]; then
    say "s3: installing ${PACKAGES[*]} into $venv"
    [ -x "$py" ] || "$(python_base)" -m venv "$venv"
    "$py" -m pip install --quiet -c "$constraints" "${PACKAGES[@]}"
    [ -x "$venv/bin/moto_server" ] || die "s3: moto_server is missing after the install"
    echo "$want" >"$stamp"
fi
say "s3: $venv/bin/moto_server ready"
echo "$venv/bin/moto_server"
