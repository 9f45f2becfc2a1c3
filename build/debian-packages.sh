#!/usr/bin/env bash
# build/debian-packages.sh CHECKS=PACKAGE...: installs, with apt, the Debian packages that are missing, so the test command
# and every benchmark need nothing installed by hand. CHECKS is one or more '|'-separated command names or absolute
# paths; PACKAGE counts as installed when any of them is found (servers such as mosquitto live in /usr/sbin, off a
# normal user's PATH). Uses sudo when not run as root.
set -euo pipefail
need=()
for spec in "$@"; do
  checks="${spec%%=*}"
  package="${spec#*=}"
  found=""
  IFS='|' read -ra alternatives <<<"$checks"
  for check in "${alternatives[@]}"; do
    if [[ "$check" == /* ]]; then
      if [ -e "$check" ]; then found=1; fi
    elif command -v "$check" >/dev/null 2>&1; then
      found=1
    fi
  done
  if [ -z "$found" ]; then need+=("$package"); fi
done
if [ ${#need[@]} -eq 0 ]; then exit 0; fi

echo "installing Debian packages: ${need[*]}" >&2
sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
