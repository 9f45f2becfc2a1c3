#!/usr/bin/env bash
# bench/run.sh rollout [devices] [model MB] [repetitions] [chunks in flight]: the time from a model's publication (ModelPublisher: chunks,
# then the manifest) until each of [devices] simulated devices (each its own MQTT connection, fetching chunks as the
# agent does and verifying every chunk and the whole) holds it, beside the time the same mosquitto takes to deliver the
# same bytes to the same number of subscribers as plain QoS 1 messages. Defaults: 100 devices, 5 MB, 5 repetitions,
# the agent's default chunks in flight (Agent:ModelFetchChunksInFlight).
# Ends with one JSON line: {"bench":"rollout",...}.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/../../build/debian-packages.sh" 'mosquitto|/usr/sbin/mosquitto=mosquitto'

build_log=$(mktemp)
trap 'rm -f "$build_log"' EXIT
dotnet build "$here/Rollout.Bench.csproj" -c Release -nologo >"$build_log" 2>&1 || { cat "$build_log" >&2; exit 1; }
dotnet "$here/bin/Release/net10.0/Rollout.Bench.dll" "$@"
