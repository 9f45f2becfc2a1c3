#!/usr/bin/env bash
# bench/run.sh ingest [MESSAGES]: ingest's publish-to-stored rate (embedded store and influxd) against the raw rates
# of mosquitto (mosquitto_sub draining the same QoS 1 motion batches) and influxd (curl bulk line-protocol posts),
# all in one run on this machine, each measured three times; prints medians and ratios and ends with one JSON line.
# Installs the Debian packages it starts (mosquitto, mosquitto-clients, influxdb, curl) when they are missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

"$here/../../build/debian-packages.sh" 'mosquitto|/usr/sbin/mosquitto=mosquitto' 'mosquitto_sub=mosquitto-clients' 'influxd|/usr/bin/influxd=influxdb' 'curl=curl'

build_log=$(mktemp)
trap 'rm -f "$build_log"' EXIT
dotnet build "$here/Ingest.Bench.csproj" -c Release -nologo >"$build_log" 2>&1 || { cat "$build_log" >&2; exit 1; }
dotnet "$here/bin/Release/net10.0/Ingest.Bench.dll" "$@"
