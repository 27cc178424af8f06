#!/usr/bin/env sh
# Install Debian's chromium (for the Playwright browser tests) and CJK fonts (so screenshots of the
# Chinese workbench render glyphs, not boxes). Idempotent; needs root or passwordless sudo.
set -eu

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$missing fonts-noto-cjk"

if [ -n "$missing" ]; then
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086  # word splitting of the package list is intended
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
/usr/bin/chromium --version
