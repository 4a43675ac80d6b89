# shellcheck shell=bash
# Shared helpers for the .ci/setup installers (sourced, never run).
#
# Every installer is idempotent: it checks first and returns in well under a second when
# everything is already there. Caches live under $INTERVIEWD_CACHE (default
# ~/.cache/interviewd): the venvs, built wheels and npm's cache, so a second run on the same
# machine downloads and builds nothing. (pip's own cache stays empty here: the package index
# answers are not cacheable, so a venv made again downloads its wheels again.)

INTERVIEWD_CACHE=${INTERVIEWD_CACHE:-$HOME/.cache/interviewd}
export INTERVIEWD_CACHE
mkdir -p "$INTERVIEWD_CACHE"

# The repository root, whichever installer sourced this file.
# shellcheck disable=SC2034 # used by the installers that source this file
SETUP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

say() { printf '[setup %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

# `apt_missing PKG...`: prints the packages of the list that dpkg does not have installed.
apt_missing() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
    done
}

# `apt_ensure PKG...`: installs the missing ones (one `apt-get update` first, then without
# recommends). Waits for another apt run's lock instead of failing.
apt_ensure() {
    local missing
    missing=$(apt_missing "$@")
    [ -z "$missing" ] && return 0
    say "apt: installing $(tr '\n' ' ' <<<"$missing")"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    local apt_opts=(-o DPkg::Lock::Timeout=900 -o Acquire::Retries=3)
    # One `apt-get update` per hour is enough for all the installers of one setup run.
    local stamp=$INTERVIEWD_CACHE/.apt-updated
    if [ -z "$(find "$stamp" -mmin -60 2>/dev/null)" ]; then
        DEBIAN_FRONTEND=noninteractive $sudo apt-get "${apt_opts[@]}" update -qq
        touch "$stamp"
    fi
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get "${apt_opts[@]}" install -y -qq \
        --no-install-recommends $missing >/dev/null
}

# `python_base`: the interpreter new venvs are made from (3.10+ is needed by the wheels).
python_base() { echo "${INTERVIEWD_PYTHON:-python3}"; }

# `with_cpu_lock CMD...`: runs a CPU-heavy command under the machine-wide build lock, so it
# never competes with a cargo build on the 2 cores (the lock exists on developer machines;
# in CI nothing else runs, and flock just takes it).
with_cpu_lock() {
    if command -v flock >/dev/null; then flock /tmp/cargo-build.lock "$@"; else "$@"; fi
}
