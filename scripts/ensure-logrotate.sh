#!/usr/bin/env bash
# Installs logrotate, which the rotation tests drive in its create and
# copytruncate modes, when it is missing.
set -euo pipefail

if command -v logrotate >/dev/null 2>&1 || [ -x /usr/sbin/logrotate ]; then
    exit 0
fi
"$(dirname "$0")/apt-install.sh" "logrotate is missing (the rotation tests drive it)" logrotate
