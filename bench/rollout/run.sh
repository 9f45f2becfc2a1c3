#!/usr/bin/env bash
# bench/run.sh rollout [devices] [model MB] [repetitions] [chunks in flight]: the time from a model's publication (ModelPublisher: chunks,
# then the manifest) until each of [devices] simulated devices (each its own MQTT connection, fetching chunks as the
# agent does and verifying every chunk and the whole) holds it, beside the time the same mosquitto takes to deliver the
# same bytes to the same number of subscribers as plain QoS 1 messages. Defaults: 100 devices, 5 MB, 5 repetitions,
# the agent's default chunks in flight (Agent:ModelFetchChunksInFlight).
# Ends with one JSON line: {"bench":"rollout",...}.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
need=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi

build_log=$(mktemp)
trap 'rm -f "$build_log"' EXIT
dotnet build "$here/Rollout.Bench.csproj" -c Release -nologo >"$build_log" 2>&1 || { cat "$build_log" >&2; exit 1; }
dotnet "$here/bin/Release/net10.0/Rollout.Bench.dll" "$@"
