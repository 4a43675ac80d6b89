#!/usr/bin/env bash
# Debian's Chromium for the browser tests (headless, driven by playwright-core from e2e/),
# plus fonts so that pages render text (fonts-liberation for the common Arial/Times/Courier
# metrics, DejaVu as the fallback for everything else), and pngquant, which e2e/lib uses to
# keep screenshots small; and poppler-utils, whose pdftotext reads the report PDFs back in the
# conformance tests. No browser is ever downloaded by a test tool: only Debian's package is
# used.
#
# Prints the browser's path on stdout (also what INTERVIEWD_CHROMIUM should be).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

apt_ensure chromium fonts-liberation fonts-dejavu-core pngquant poppler-utils
chromium=${INTERVIEWD_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || die "$chromium missing after the install"
say "browser: $("$chromium" --version 2>/dev/null)"
echo "$chromium"
