#!/usr/bin/env bash
# Installs every Debian 12 package Eventbot needs to build, test and run.
# Idempotent: it asks dpkg first and calls apt-get only for what is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git curl
  libcaf-dev librocksdb-dev rocksdb-tools
  libprotobuf-dev protobuf-compiler
  libboost-dev libboost-system-dev libssl-dev openssl
  libgtest-dev libgmock-dev libbenchmark-dev wrk
  libyaml-cpp-dev libcurl4-openssl-dev libzstd-dev
  libcli11-dev libfmt-dev libspdlog-dev nlohmann-json3-dev
  libre2-dev libargon2-dev
  clang-format
  clang libclang-rt-dev
  chromium chromium-driver python3-selenium
  ngircd
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# Servers among the packages (ngircd, for the IRC bot's tests) must not start as system
# services listening on every address: the tests start their own on 127.0.0.1. A
# policy-rc.d that refuses service starts does that, for this install only.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  own_policy=1
fi
status=0
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" || status=$?
if [ "$own_policy" = 1 ]; then $SUDO rm -f "$policy"; fi
exit "$status"
