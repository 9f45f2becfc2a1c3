#!/usr/bin/env bash
# Starts mosquitto with the repository's configuration, from the repository root, keeping its database under
# data/mosquitto/. Started as root, mosquitto drops to the 'mosquitto' user, so that user gets the folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p data/mosquitto
if [ "$(id -u)" -eq 0 ] && id mosquitto >/dev/null 2>&1; then
  chown mosquitto data/mosquitto
fi
exec mosquitto -c deploy/mosquitto/mosquitto.conf "$@"
