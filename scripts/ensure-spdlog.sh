#!/usr/bin/env bash
# Installs spdlog's development files (Debian: libspdlog-dev) for the benchmark's
# spdlog peer when they are missing.
set -euo pipefail

if [ -f /usr/include/spdlog/spdlog.h ]; then
    exit 0
fi
"$(dirname "$0")/apt-install.sh" "spdlog headers are missing (the benchmark's spdlog peer needs spdlog 1.10 or later)" libspdlog-dev
