#!/usr/bin/env bash
# bench/run.sh scale [SECONDS]: 1, 10, 100 and 1,000 simulated golf clubs, each sending its real 10 motion batches a second
# (50 samples at 500 Hz) for SECONDS (default 8), through mosquitto into ingest with the embedded store. Per size: stored
# samples/s, p99 publish-to-stored latency and ingest's peak resident memory; prints a table and ends with one JSON line:
# {"bench":"scale","devices":[...],"samples_per_s":[...],"p99_ms":[...],"rss_mb":[...]}.
# Installs the Debian packages it starts (mosquitto, mosquitto-clients) when they are missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

"$here/../../build/debian-packages.sh" 'mosquitto|/usr/sbin/mosquitto=mosquitto' 'mosquitto_sub=mosquitto-clients'

build_log=$(mktemp)
trap 'rm -f "$build_log"' EXIT
dotnet build "$here/Scale.Bench.csproj" -c Release -nologo >"$build_log" 2>&1 || { cat "$build_log" >&2; exit 1; }
dotnet "$here/bin/Release/net10.0/Scale.Bench.dll" "$@"
