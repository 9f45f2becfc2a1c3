#!/usr/bin/env bash
# bench/run.sh edge [windows] [messages] [repetitions] [in-flight]: swing inference latency at the edge, and the agent's publish
# throughput through its on-disk outbox to mosquitto beside mosquitto_pub (same payloads, QoS 1) in the same run, then
# where the agent's time goes (each part of its publish path alone). Defaults: 500 windows, 10000 messages, 3 repetitions,
# the agent's default window (Agent:OutboxInFlight).
# Ends with one JSON line: {"bench":"edge",...}.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/../../build/debian-packages.sh" 'mosquitto|/usr/sbin/mosquitto=mosquitto' 'mosquitto_pub=mosquitto-clients'
dotnet build "$here/Edge.Bench.csproj" -c Release -nologo -v quiet >&2
exec dotnet "$here/bin/Release/net10.0/Edge.Bench.dll" "$@"
