// The edu DMA scripts the shared scenarios run with `vfio-plat run` (the same bytes whether the device was opened
// through its group or its cdev: only the IOMMU API under `dma map` differs).

/**
 * RAM -> edu's buffer -> RAM, 2048 bytes (QEMU 7.2's edu refuses a whole 4096-byte buffer), with the completion
 * interrupt (command bit 2) instead of a timed wait. Bus mastering is set here, in the same open session: vfio-pci
 * clears it whenever the device is released. `checkStatus` also expects the interrupt status register after the
 * first transfer.
 */
export function eduDmaScript(seed: number, checkStatus: boolean): string {
  return [
    "write 7:0x4.w 0x6:0x6",
    "dma map src 4096 read at 0x100000",
    "dma map dst 4096 write at 0x200000",
    `dma fill src random:${seed}`,
    "dma fill dst zeros",
    "irq arm 0",
    "write 0:0x80 $src",
    "write 0:0x88 0x40000",
    "write 0:0x90 2048",
    "write 0:0x98 0x5",
    "irq wait 0 5s",
    ...(checkStatus ? ["expect 0:0x24 0x100"] : []),
    "write 0:0x64 0x100",
    "irq unmask 0",
    "write 0:0x80 0x40000",
    "write 0:0x88 $dst",
    "write 0:0x90 2048",
    "write 0:0x98 0x7",
    "irq wait 0 5s",
    "write 0:0x64 0x100",
    "irq unmask 0",
    `dma expect dst random:${seed} 0 2048`,
    "dma expect dst zeros 2048 2048",
  ].join("; ");
}

/** A DMA from an IOVA that was mapped and unmapped again: the SMMU terminates it and records a translation fault. */
export const EDU_UNMAPPED_SCRIPT = [
  "write 7:0x4.w 0x6:0x6",
  "dma map gone 4096 at 0x300000",
  "dma unmap gone",
  "irq arm 0",
  "write 0:0x80 $gone",
  "write 0:0x88 0x40000",
  "write 0:0x90 256",
  "write 0:0x98 0x5",
  "irq wait 0 5s",
  "write 0:0x64 0x100",
  "irq unmask 0",
].join("; ");
