#!/usr/bin/env bash
# Installs spdlog's development files (Debian: libspdlog-dev) for the benchmark's
# spdlog peer when they are missing. Uses sudo when not root.
set -euo pipefail

if [ -f /usr/include/spdlog/spdlog.h ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "sluice: spdlog headers are missing and apt-get is not available; install spdlog 1.10 or later" >&2
    exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "sluice: installing libspdlog-dev for the benchmark's spdlog peer" >&2
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libspdlog-dev >/dev/null
