#!/usr/bin/env bash
# Starts mosquitto with the repository's configuration, from the repository root, keeping its database under
# data/mosquitto/. When data/security/ holds identities (written by `pipeline devices add` or a first `pipeline up`),
# mosquitto admits only those identities and applies their topic rules: the listener then runs with
# allow_anonymous false, use_username_as_clientid true, and the password and ACL files rendered there. When
# data/security/tls/ holds the broker certificate (a first `pipeline up` creates it), the listener speaks only TLS and
# requires a client certificate from the same authority (`pipeline up` and `pipeline devices add` issue them).
# Started as root, mosquitto drops to the 'mosquitto' user, so that user gets the folders it reads and writes.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p data/mosquitto
config=deploy/mosquitto/mosquitto.conf
security="$PWD/data/security"
if [ -f "$security/mosquitto.passwd" ] || [ -f "$security/tls/server.crt" ]; then
  config=data/mosquitto/secured.conf
  {
    if [ -f "$security/mosquitto.passwd" ]; then
      grep -v '^allow_anonymous' deploy/mosquitto/mosquitto.conf
      echo "allow_anonymous false"
      echo "use_username_as_clientid true"
      echo "password_file $security/mosquitto.passwd"
      echo "acl_file $security/mosquitto.acl"
    else
      cat deploy/mosquitto/mosquitto.conf
    fi
    if [ -f "$security/tls/server.crt" ]; then
      echo "cafile $security/tls/ca.crt"
      echo "certfile $security/tls/server.crt"
      echo "keyfile $security/tls/server.key"
      echo "require_certificate true"
    fi
  } > "$config"
fi
if [ "$(id -u)" -eq 0 ] && id mosquitto >/dev/null 2>&1; then
  chown mosquitto data/mosquitto
  [ -d "$security" ] && chown mosquitto "$security" "$security"/mosquitto.* "$security"/tls "$security"/tls/server.* 2>/dev/null || true
fi
exec mosquitto -c "$config" "$@"
