#!/usr/bin/env bash
# The Node side of the browser tests: playwright-core (drives Debian's Chromium; never
# downloads a browser), axe-core (accessibility rules, injected into the page) and ws, pinned
# by e2e/package-lock.json, with the machine's Node 20 and npm.
#
# The modules are installed once per lock file into $INTERVIEWD_CACHE/node/<hash of the lock>/
# (npm's own cache beside it), and e2e/node_modules is a symbolic link to them, so a fresh
# checkout on a machine that has them costs one link. Prints the node_modules path on stdout
# (what INTERVIEWD_E2E_NODE_MODULES should be).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

e2e=$SETUP_ROOT/e2e
command -v node >/dev/null || die "node not found (the machine's Node.js 20 is expected)"
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' ||
    die "Node.js >= 20 needed, found $(node --version)"

hash=$(cat "$e2e/package.json" "$e2e/package-lock.json" | sha256sum | cut -c1-16)
dir=$INTERVIEWD_CACHE/node/$hash
mkdir -p "$INTERVIEWD_CACHE/node"
exec 9>"$INTERVIEWD_CACHE/node.lock"
flock 9
if [ ! -f "$dir/.complete" ]; then
    say "node: npm ci ($hash)"
    rm -rf "$dir" && mkdir -p "$dir"
    cp "$e2e/package.json" "$e2e/package-lock.json" "$dir/"
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error \
        --prefer-offline --cache "$INTERVIEWD_CACHE/npm") >&2
    touch "$dir/.complete"
fi
# A real directory there (someone ran npm in e2e/ by hand) is left alone.
if [ -L "$e2e/node_modules" ] || [ ! -e "$e2e/node_modules" ]; then
    ln -sfn "$dir/node_modules" "$e2e/node_modules"
fi
(cd "$e2e" && node -e 'require("playwright-core"); require("axe-core"); require("ws")') ||
    die "node: the modules do not load from $e2e"
say "node: $(cd "$e2e" && node -p 'require("playwright-core/package.json").version') playwright-core, modules in $dir/node_modules"
echo "$dir/node_modules"
