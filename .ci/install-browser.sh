#!/usr/bin/env sh
# Kept for old instructions: the system packages are installed by install-system.sh.
exec sh "$(dirname "$0")/install-system.sh" "$@"
