#!/usr/bin/env bash
# bench/run.sh edge [windows] [messages] [repetitions] [in-flight]: swing inference latency at the edge, and the agent's publish
# throughput through its on-disk outbox to mosquitto beside mosquitto_pub (same payloads, QoS 1) in the same run, then
# where the agent's time goes (each part of its publish path alone). Defaults: 500 windows, 10000 messages, 3 repetitions,
# the agent's default window (Agent:OutboxInFlight).
# Ends with one JSON line: {"bench":"edge",...}.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
need=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || need+=(mosquitto-clients)
if [ ${#need[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi
dotnet build "$here/Edge.Bench.csproj" -c Release -nologo -v quiet >&2
exec dotnet "$here/bin/Release/net10.0/Edge.Bench.dll" "$@"
