#!/usr/bin/env bash
# The main job on the simulated board, one process per command as a shell user works: list -> bind -> info -> read ->
# irq -> run (PL031 alarm two seconds ahead, waited for in one session) -> unbind. Uses a fresh board each time.
set -euo pipefail
cd "$(dirname "$0")/.."
export VFIO_PLAT_SIM=1
VFIO_PLAT_SIM_STATE="$(mktemp -d)"
export VFIO_PLAT_SIM_STATE
trap 'rm -rf "$VFIO_PLAT_SIM_STATE"' EXIT

vp() {
  printf '$ vfio-plat %s\n' "$*"
  bun src/cli/main.ts "$@"
  echo
}

vp list
vp bind 9010000.pl031
vp info 9010000.pl031
vp read 9010000.pl031 0:0xfe0 8
vp read 9010000.pl031 0:0xff0.l
vp irq 9010000.pl031 0 --trigger --timeout 2s
vp run 9010000.pl031 -e 'read 0:0x0 as now; write 0:0x4 $now+2; write 0:0x10 1; irq arm 0; irq wait 0 5s; read 0:0x18; write 0:0x1c 1; irq unmask 0'
vp bind a000000.virtio_mmio
vp read a000000.virtio_mmio 0:0x0.l
vp unbind a000000.virtio_mmio
vp unbind 9010000.pl031
vp list
