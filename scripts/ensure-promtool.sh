#!/usr/bin/env bash
# Installs promtool (Debian: prometheus), which the tests use to check Sluice's
# Prometheus text, when it is missing. Installing does not start the server
# where a policy-rc.d forbids it (containers); the tests never start it.
set -euo pipefail

if command -v promtool >/dev/null 2>&1; then
    exit 0
fi
"$(dirname "$0")/apt-install.sh" "promtool is missing (the tests check the Prometheus text with it)" prometheus
