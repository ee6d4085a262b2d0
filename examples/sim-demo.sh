#!/usr/bin/env bash
# The main job on the simulated board: a PL330 DMA controller behind an SMMUv3, bound to VFIO, copying through the
# IOMMU and verified byte for byte; then the SMMU smoke test (a read-only destination must fault), and the device
# handed back. One process per command, as a shell user works; a fresh board each time.
set -euo pipefail
cd "$(dirname "$0")/.."
export VFIO_PLAT_SIM=1
VFIO_PLAT_SIM_STATE="$(mktemp -d)"
export VFIO_PLAT_SIM_STATE
trap 'rm -rf "$VFIO_PLAT_SIM_STATE"' EXIT

vp() {
  printf '$ vfio-plat %s\n' "$*"
  bun src/cli/main.ts "$@"
}

vp list
echo
vp bind 2c0a0000.dma
echo
vp info 2c0a0000.dma
echo
vp dma-test 2c0a0000.dma --size 64M --iterations 3
echo
echo "# SMMU smoke test: the destination is mapped read-only for the device, so the copy must fault (exit 1)"
if vp dma-test 2c0a0000.dma --size 1M --inject readonly-dst; then
  echo "expected a fault, got none" >&2
  exit 1
fi
echo
vp unbind 2c0a0000.dma
