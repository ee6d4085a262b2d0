#!/usr/bin/env bash
# The Debian packages the board-farm tests use (docs/farm.md): lava-common, whose python3 module lava_common holds
# LAVA's own job and test-definition schemas (test/cli/lava.test.ts validates examples/lava/ with it), and labgrid
# (python3-labgrid: the library and its pytest plugin, run by scripts/lab/labgrid.ts; labgrid: labgrid-client and
# labgrid-exporter). Installs only what is missing, as root or through sudo -n; apt-get update runs only when an
# install fails without it.
set -euo pipefail

packages=(lava-common python3-labgrid labgrid)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "farm-deps: ${packages[*]} already installed"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "farm-deps: need root or sudo -n to apt-get install ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "farm-deps: apt-get install ${missing[*]}"
if ! "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; then
  "${as_root[@]}" apt-get update
  "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi
