#!/usr/bin/env bash
# Debian packages of the farm engines whose examples CI proves (docs/farm.md): labgrid (python3-labgrid: the library
# and its pytest plugin; labgrid: labgrid-client and labgrid-exporter) and LAVA's schemas (lava-common: the python3
# module lava_common that test/cli/lava.test.ts validates examples/lava/ with; busybox: the shell and awk a DUT has, which
# the same test runs examples/lava/'s scripts under). Installs only what is missing, as root or through `sudo -n`;
# apt-get update runs only when a first install fails. Exits non-zero when it cannot install.
set -euo pipefail

PACKAGES=(python3-labgrid labgrid lava-common busybox)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then missing+=("$pkg"); fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "farm packages present: ${PACKAGES[*]}"
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then as_root=(sudo -n); fi
export DEBIAN_FRONTEND=noninteractive
echo "installing Debian packages: ${missing[*]}"
if ! "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; then
  "${as_root[@]}" apt-get update
  "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi
