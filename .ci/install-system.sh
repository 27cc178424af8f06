#!/usr/bin/env sh
# System packages the suite needs, from Debian: chromium (the Playwright browser tests), CJK fonts
# (screenshots of the Chinese workbench render glyphs, not boxes) and a headless Java runtime (the
# Spark engine; PySpark starts a JVM), Node's npm (the local copies of the scripts and styles
# Great Expectations' Data Docs load, so they open offline). Idempotent; needs root or
# passwordless sudo.
set -eu

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$missing fonts-noto-cjk"
command -v java >/dev/null 2>&1 || missing="$missing openjdk-17-jre-headless"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -n "$missing" ]; then
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086  # word splitting of the package list is intended
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
# Data Docs assets: exact versions from the lock file, no install scripts run
assets="$(dirname "$0")/../data_contracts/docs_assets"
[ -d "$assets/node_modules/jquery" ] || npm ci --prefix "$assets" --silent
/usr/bin/chromium --version
java -version 2>&1 | head -n 1
