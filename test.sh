#!/usr/bin/env bash
# Runs every test of the solution against real servers. Installs the Debian packages the tests start
# (mosquitto, influxdb, chromium and chromium-driver for the dashboard's browser test), the fashion-mnist images the real-data training test reads (dataset-fashion-mnist), the font the training charts are drawn with (fonts-dejavu-core) and strace (which the durability
# tests attach to check the order of fsyncs) when they are missing, so a fresh Debian 12 machine with the .NET SDK needs nothing else.
set -euo pipefail
cd "$(dirname "$0")"

./build/debian-packages.sh 'mosquitto|/usr/sbin/mosquitto=mosquitto' 'mosquitto_sub=mosquitto-clients' 'influxd|/usr/bin/influxd=influxdb' '/usr/share/fonts/truetype/dejavu=fonts-dejavu-core' 'strace=strace' 'chromium=chromium' 'chromedriver|/usr/bin/chromedriver=chromium-driver' '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz=dataset-fashion-mnist'
# kubectl renders the Kubernetes manifests for tests/Deploy.Tests; no Debian package has a usable one.
command -v kubectl >/dev/null 2>&1 || deploy/k8s/install-kubectl.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# A test that hangs is reported by name and its test host ended after 10 minutes, instead of stalling the run; no
# dump, since a hung TorchSharp test host would write gigabytes.
dotnet test Pipeline.sln -c Release --blame-hang-timeout 10m --blame-hang-dump-type none "$@" 2>&1 | tee "$log" || status=$?

# One closing line for the whole solution, summed over the test assemblies.
awk '/(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+/ {
       gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
