#!/usr/bin/env bash
# The README's `cargo run --release -p interviewd -- serve` must start at once after a build of
# the workspace, not rebuild shared dependencies with other features (docs/operations.md,
# "First run"). `cargo build` alone builds the default member, interviewd, so it is the same
# build; this checks that `cargo build --workspace` also compiles every package of the server's
# graph with the features the server alone asks for (no other member adds one), by comparing
# the two resolutions. No compilation is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

resolve() {
  cargo tree "$@" --edges normal,build --prefix none --no-dedupe --format '{p} {f}' \
    | sed -e 's/ (\*)$//' -e 's/ (proc-macro)//' | sort -u
}
alone=$(mktemp)
together=$(mktemp)
trap 'rm -f "$alone" "$together"' EXIT
resolve --package interviewd >"$alone"
resolve --workspace >"$together"
differ=$(comm -23 "$alone" "$together")
if [ -n "$differ" ]; then
  echo "cargo build --workspace compiles these with other features than the server alone;" >&2
  echo "the README's cargo run would recompile them. Add the features the other members" >&2
  echo "use to the root Cargo.toml's [workspace.dependencies] or interviewd's Cargo.toml:" >&2
  while read -r name version _; do
    grep -E "^$name $version( |$)" "$together" | sed 's/^/  workspace: /' >&2
    grep -E "^$name $version( |$)" "$alone" | sed 's/^/  alone:     /' >&2
  done <<<"$differ"
  exit 1
fi
echo "features unified: $(wc -l <"$alone") packages built alike"
